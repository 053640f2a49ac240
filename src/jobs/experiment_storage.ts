/**
 * Where a notebook keeps its studies and jobs, per preset: `ci` a temporary file (every CI run
 * starts fresh); `cpu` and `paper` a file under studies/ of the ktg checkout, kept between runs, so a
 * killed notebook, executed again, continues where it stopped. KTG_STORAGE (e.g. a Redis URL) takes
 * precedence: a `paper` notebook's jobs can then be run by `ktg worker --jobs` on many machines.
 */
import * as path from 'path';
import { temporaryPath } from '../data/temporary';
import { PresetName, presetName } from '../presets';

/** the folder for kept storages: studies/ beside src/ (or dist/) */
export const studiesDir = path.resolve(__dirname, '..', '..', 'studies');

export function experimentStorage(experiment: string, preset: PresetName = presetName()): string {
  if (!/^[\w.-]+$/.test(experiment)) throw new Error(`experiment name "${experiment}" should be letters, digits, ".", "_" or "-" (it names a file)`);
  const shared = process.env.KTG_STORAGE;
  if (shared) return shared;
  if (preset === 'ci') return `sqlite:${temporaryPath(`${experiment}-ci`, '.db')}`;
  return `sqlite:${path.join(studiesDir, `${experiment}-${preset}.db`)}`;
}
