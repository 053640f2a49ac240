/**
 * Epoch rows written before metrics were named (ktg ≤ 0.1): four fixed columns whose meaning
 * depended on the study — for GAN studies `accuracy` held the IS per generator, `nodeLoss` the FID,
 * `edgeLoss` [D loss, G losses…]. Both storages convert them when they meet them.
 */
import type { NamedMetrics } from './types';

export interface LegacyEpochColumns {
  accuracy: number[];
  ensembleAccuracy: number;
  nodeLoss: number[];
  edgeLoss: number[];
}

/** true for a stored study config whose space is a GAN gate space */
export function isGanStudyConfig(config: unknown): boolean {
  const space = (config as { space?: { kind?: unknown } } | undefined)?.space;
  return space?.kind === 'gan';
}

export function legacyMetrics(gan: boolean, old: LegacyEpochColumns): NamedMetrics {
  if (gan) return { is: old.accuracy, fid: old.nodeLoss, dLoss: old.edgeLoss.slice(0, 1), gLoss: old.edgeLoss.slice(1) };
  return { accuracy: old.accuracy, ensembleAccuracy: [old.ensembleAccuracy], nodeLoss: old.nodeLoss, edgeLoss: old.edgeLoss };
}
