/**
 * Asynchronous successive halving (Li et al. 2020), decided the way Optuna's
 * SuccessiveHalvingPruner decides: rung k sits at epoch r·η^(s+k); a trial reaching a rung records
 * its value there and continues only if it is among the best ⌊n/η⌋ of the n values recorded at that
 * rung so far (itself included). While n < η that means "the best so far", so the first trial always
 * goes on; ties with the threshold go on; a non-finite value stops its trial and is not counted at the rung. With η = 2 this is the thesis' rule: stop in the
 * bottom 50 % of all trials evaluated at that rung. Trials are never paused, so no promotion waits.
 */
export interface AshaOptions {
  /** r: epochs of the first rung (default 1) */
  minResource: number;
  /** η (default 2) */
  reductionFactor: number;
  /** s: skips the first s rungs (default 0) */
  minEarlyStoppingRate: number;
  /** stop every trial at a rung until more than this many values are recorded there (default 0) */
  bootstrapCount: number;
}

export const defaultAsha: AshaOptions = { minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0, bootstrapCount: 0 };

export function checkAshaOptions(o: AshaOptions): void {
  if (!(Number.isInteger(o.minResource) && o.minResource >= 1)) throw new Error(`ASHA minimum resource must be a positive integer, got ${o.minResource}`);
  if (!(o.reductionFactor >= 2)) throw new Error(`ASHA reduction factor η must be ≥ 2, got ${o.reductionFactor}`);
  if (!(Number.isInteger(o.minEarlyStoppingRate) && o.minEarlyStoppingRate >= 0))
    throw new Error(`ASHA min early stopping rate must be an integer ≥ 0, got ${o.minEarlyStoppingRate}`);
  if (!(Number.isInteger(o.bootstrapCount) && o.bootstrapCount >= 0)) throw new Error(`ASHA bootstrap count must be an integer ≥ 0, got ${o.bootstrapCount}`);
}

/** Epoch of rung k. */
export function rungEpoch(o: AshaOptions, rung: number): number {
  return Math.round(o.minResource * o.reductionFactor ** (o.minEarlyStoppingRate + rung));
}

/** The rung evaluated at the end of `epoch` (1-based), or undefined when `epoch` is not a rung. */
export function rungAt(o: AshaOptions, epoch: number): number | undefined {
  for (let k = 0; ; k++) {
    const e = rungEpoch(o, k);
    if (e === epoch) return k;
    if (e > epoch) return undefined;
  }
}

/** All rung epochs that fall before the last epoch (the last epoch needs no decision). */
export function rungEpochs(o: AshaOptions, epochs: number): number[] {
  const out: number[] = [];
  for (let k = 0; rungEpoch(o, k) < epochs; k++) out.push(rungEpoch(o, k));
  return out;
}

/**
 * Whether a trial whose value at a rung is `value` goes on, given every value recorded at that rung
 * (`competing` includes the trial's own). Higher values are better.
 */
export function promotable(value: number, competing: number[], o: AshaOptions): boolean {
  if (!Number.isFinite(value)) return false;
  // a non-finite value never enters Optuna's rung records, so it neither counts toward n nor ranks
  const finite = competing.filter((v) => Number.isFinite(v));
  if (finite.length <= o.bootstrapCount) return false;
  const kept = Math.max(1, Math.floor(finite.length / o.reductionFactor));
  const sorted = finite.sort((a, b) => b - a);
  const threshold = sorted[Math.min(kept, sorted.length) - 1];
  return value >= threshold;
}
