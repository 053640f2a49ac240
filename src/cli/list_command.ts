/** `ktg list gates|losses|models`: what a spec may name, read from the registries. */
import { gateRegistry } from '../gates/registry';
import { lossRegistry, LossDefinition } from '../losses/registry';
import { modelFactories } from '../models/registry';
import { table } from './format';

export type ListKind = 'gates' | 'losses' | 'models';
export const listKinds: ListKind[] = ['gates', 'losses', 'models'];

export function listText(kind: ListKind): string {
  if (kind === 'gates')
    return table(
      ['gate', 'what it does'],
      Object.entries(gateRegistry).map(([id, g]) => [id, g.summary]),
    );
  if (kind === 'losses') {
    const data = (d: LossDefinition) =>
      (d.data === 'both' ? 'labelled or unlabelled' : d.data) + (d.usesMaps ? ', attention maps (crops)' : '') + (d.selfLoop ? ', self-loop' : '');
    return table(
      ['loss', 'data', 'what it does'],
      Object.entries(lossRegistry).map(([id, d]: [string, LossDefinition]) => [id, data(d), d.summary]),
    );
  }
  return Object.keys(modelFactories).join('\n');
}

export function runListCommand(kind: string): void {
  if (!(listKinds as string[]).includes(kind)) throw new Error(`nothing to list as "${kind}" (use ${listKinds.join(', ')})`);
  console.log(listText(kind as ListKind));
}
