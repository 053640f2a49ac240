/**
 * A claim judged by paired seeds: seed s gives both methods the same initialisation and data order,
 * so the per-seed difference removes most of the seed-to-seed variation. The verdict comes from the
 * 95 % t-interval of the mean difference: above 0 → reproduces, below 0 → contradicted, containing
 * 0 → undecided (with its width, the size of effect the experiment could not resolve).
 */
import quantile = require('@stdlib/stats-base-dists-t-quantile');

export type Verdict = 'reproduces' | 'contradicted' | 'undecided';

export interface PairedComparison {
  /** better[s] − baseline[s] per seed */
  differences: number[];
  mean: number;
  /** sample standard deviation of the differences */
  sd: number;
  n: number;
  confidence: number;
  /** t-interval of the mean difference */
  interval: [number, number];
  width: number;
  verdict: Verdict;
  /** for "≈ within a margin" claims: the margin (absent for "A > B" claims) */
  margin?: number;
}

/** half-width of the two-sided t-interval of a mean of n values with sample standard deviation sd */
function tHalfWidth(sd: number, n: number, confidence: number): number {
  return quantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
}

/**
 * Compares two methods over the same seeds (values in the same order). A claim "A > B" is tested as
 * pairedComparison(A, B); "A ≈ B within a margin m" as pairedComparison with `margin` (the interval
 * must lie inside [−m, m] to reproduce, outside it entirely to contradict).
 */
export function pairedComparison(better: number[], baseline: number[], options: { confidence?: number; margin?: number } = {}): PairedComparison {
  const confidence = options.confidence ?? 0.95;
  if (better.length !== baseline.length) throw new Error(`paired comparison needs the same seeds on both sides, got ${better.length} and ${baseline.length} values`);
  const differences = better.map((v, i) => v - baseline[i]);
  const n = differences.length;
  if (n < 2) throw new Error(`a confidence interval needs at least 2 paired seeds, got ${n}`);
  if (differences.some((d) => !Number.isFinite(d))) throw new Error(`paired comparison: non-finite values (${better.join(', ')} vs ${baseline.join(', ')})`);
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const sd = Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  const half = tHalfWidth(sd, n, confidence);
  const interval: [number, number] = [mean - half, mean + half];
  let verdict: Verdict;
  if (options.margin != null) {
    const m = options.margin;
    verdict = interval[0] >= -m && interval[1] <= m ? 'reproduces' : interval[1] < -m || interval[0] > m ? 'contradicted' : 'undecided';
  } else verdict = interval[0] > 0 ? 'reproduces' : interval[1] < 0 ? 'contradicted' : 'undecided';
  return { differences, mean, sd, n, confidence, interval, width: interval[1] - interval[0], verdict, ...(options.margin != null ? { margin: options.margin } : {}) };
}

/**
 * A planning figure for an undecided claim: the smallest number of paired seeds at which the same
 * mean difference and spread would be decided, i.e. the interval's half-width t(n − 1)·sd/√n falls
 * below the mean's distance to the decision boundary (0, or the nearer end of ±margin for "≈"
 * claims). `undefined` when no number up to `maxSeeds` decides it (a mean on the boundary, e.g. an
 * exact tie). It assumes the next seeds look like the measured ones; it is not a power analysis.
 */
export function seedsToDecide(c: Pick<PairedComparison, 'mean' | 'sd' | 'confidence' | 'margin'>, maxSeeds = 100_000): number | undefined {
  const distance = c.margin != null ? Math.abs(Math.abs(c.mean) - c.margin) : Math.abs(c.mean);
  if (distance === 0) return undefined;
  if (c.sd === 0) return 2;
  const halfWidth = (n: number) => tHalfWidth(c.sd, n, c.confidence);
  if (halfWidth(maxSeeds) >= distance) return undefined;
  // the half-width falls with n: bisect for the first n below the distance
  let lo = 2;
  let hi = maxSeeds;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (halfWidth(mid) < distance) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
