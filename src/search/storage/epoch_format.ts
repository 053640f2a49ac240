/**
 * How epoch rows are stored, shared by both storages: named metrics as JSON, where a non-finite
 * value (a diverged trial) is written as null and read back as NaN; and the rows written before
 * metrics were named (ktg ≤ 0.1): four fixed columns whose meaning depended on the study — for GAN
 * studies `accuracy` held the IS per generator, `nodeLoss` the FID, `edgeLoss` [D loss, G losses…].
 */

/** JSON.parse, with the nulls JSON.stringify wrote for NaN read back as NaN */
export function parseStoredJson<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => (v === null ? NaN : v)) as T;
}

export interface LegacyEpochColumns {
  accuracy: number[];
  ensembleAccuracy: number;
  nodeLoss: number[];
  edgeLoss: number[];
}
