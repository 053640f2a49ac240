/** What every job runner writes into its result the same way: the backend line and named checkpoints. */
import { backendInfo } from '../backend';
import { Checkpointable } from '../models/checkpoint';

/** "native (oneDNN …)", the backend that ran the job */
export function backendText(): string {
  const backend = backendInfo();
  return backend ? `${backend.name} (${backend.detail})` : 'not initialised';
}

/** parameters under the name their checkpoint carries (and is checked against when loaded) */
export const named = (name: string, params: Checkpointable['params']): Checkpointable => ({ info: { name }, params });
