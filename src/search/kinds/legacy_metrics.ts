/** Rows written before metrics were named (ktg ≤ 0.1): what the four fixed columns held, by the kind of the study (see kind_id.ts). */
import type { LegacyEpochColumns } from '../storage/epoch_format';
import type { NamedMetrics } from '../storage/types';
import { kindIdOf } from './kind_id';

/** `config` as stored (raw JSON of any ktg version) */
export function legacyMetrics(config: unknown, old: LegacyEpochColumns): NamedMetrics {
  const c = (config ?? {}) as { space?: unknown; semi?: unknown };
  if (kindIdOf(c) === 'gan') return { is: old.accuracy, fid: old.nodeLoss, dLoss: old.edgeLoss.slice(0, 1), gLoss: old.edgeLoss.slice(1) };
  return { accuracy: old.accuracy, ensembleAccuracy: [old.ensembleAccuracy], nodeLoss: old.nodeLoss, edgeLoss: old.edgeLoss };
}
