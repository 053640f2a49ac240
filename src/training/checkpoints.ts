/** Saving the learning nodes of a classifier run. */
import * as path from 'path';
import { saveCheckpoint } from '../models/checkpoint';
import { Classifier } from '../models/model';

/** every learning node's checkpoint as `node<i>-<model>-epoch<e>.ckpt` in `dir` */
export function saveCheckpoints(spec: { nodes: { model: string }[] }, models: Classifier[], learning: boolean[], dir: string, epoch: number): void {
  models.forEach((m, i) => {
    if (learning[i]) saveCheckpoint(m, path.join(dir, `node${i + 1}-${spec.nodes[i].model}-epoch${epoch}.ckpt`), { node: i + 1, epoch });
  });
}
