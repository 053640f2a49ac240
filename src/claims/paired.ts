/**
 * A claim judged by paired seeds: seed s gives both arms the same initialisation and data order,
 * so the per-seed difference removes most of the seed-to-seed variation.
 *  - "A > B" (directional): the two-sided 95 % t-interval of the mean difference: above 0 →
 *    reproduces, below 0 → contradicted, containing 0 → undecided. Its two-sided one-sample t-test
 *    p-value is what Holm's correction over all claims uses (holm.ts).
 *  - "A ≈ B within ±m" (equivalence): TOST at 5 %, i.e. the 90 % t-interval: inside (−m, m) →
 *    reproduces, entirely outside it → contradicted, otherwise undecided.
 */
import quantile = require('@stdlib/stats-base-dists-t-quantile');
import tCdf = require('@stdlib/stats-base-dists-t-cdf');

/** `not tested` is set by the ledger's rules (rules.ts), never by the comparison itself */
export type Verdict = 'reproduces' | 'contradicted' | 'undecided' | 'not tested';

export interface PairedComparison {
  /** better[s] − baseline[s] per seed */
  differences: number[];
  mean: number;
  /** sample standard deviation of the differences */
  sd: number;
  n: number;
  /** of the interval: 0.95 for directional claims, 0.90 for equivalence claims (TOST at 5 %) */
  confidence: number;
  /** t-interval of the mean difference */
  interval: [number, number];
  width: number;
  verdict: Verdict;
  /** directional: two-sided one-sample t-test of mean 0; equivalence: the larger of TOST's two one-sided p-values */
  pValue: number;
  /** for "≈ within a margin" claims: the margin (absent for "A > B" claims) */
  margin?: number;
}

/** the test level: directional claims use the two-sided 95 % interval, equivalence claims TOST at this level */
export const ALPHA = 0.05;

/** half-width of the two-sided t-interval of a mean of n values with sample standard deviation sd */
function tHalfWidth(sd: number, n: number, confidence: number): number {
  return quantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
}

/** P(T ≥ t) for a t statistic with n − 1 degrees of freedom; a zero standard error gives 0 or 1 */
function upperTail(distance: number, se: number, n: number): number {
  if (se === 0) return distance > 0 ? 0 : 1;
  return 1 - tCdf(distance / se, n - 1);
}

/** per-seed differences better − baseline, checked: same length, at least 2, finite */
export function pairedDifferences(better: number[], baseline: number[]): number[] {
  if (better.length !== baseline.length)
    throw new Error(`paired comparison needs the same seeds on both sides, got ${better.length} and ${baseline.length} values`);
  const differences = better.map((v, i) => v - baseline[i]);
  if (differences.length < 2) throw new Error(`a confidence interval needs at least 2 paired seeds, got ${differences.length}`);
  if (differences.some((d) => !Number.isFinite(d))) throw new Error(`paired comparison: non-finite values (${better.join(', ')} vs ${baseline.join(', ')})`);
  return differences;
}

/** Judges per-seed differences: directional without `margin`, TOST within ±margin with it. */
export function judgeDifferences(differences: number[], options: { margin?: number } = {}): PairedComparison {
  const n = differences.length;
  if (n < 2) throw new Error(`a confidence interval needs at least 2 paired seeds, got ${n}`);
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const sd = Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const m = options.margin;
  if (m != null && !(m > 0)) throw new Error(`an equivalence margin must be positive, got ${m}`);
  const confidence = m != null ? 1 - 2 * ALPHA : 1 - ALPHA;
  const half = tHalfWidth(sd, n, confidence);
  const interval: [number, number] = [mean - half, mean + half];
  let verdict: Verdict;
  let pValue: number;
  if (m != null) {
    verdict = interval[0] > -m && interval[1] < m ? 'reproduces' : interval[1] < -m || interval[0] > m ? 'contradicted' : 'undecided';
    // TOST: H0 mean ≤ −m (p = P(T ≥ (mean + m)/se)) and H0 mean ≥ m (p = P(T ≤ (mean − m)/se))
    pValue = Math.max(upperTail(mean + m, se, n), upperTail(m - mean, se, n));
  } else {
    verdict = interval[0] > 0 ? 'reproduces' : interval[1] < 0 ? 'contradicted' : 'undecided';
    pValue = se === 0 ? (mean === 0 ? 1 : 0) : Math.min(1, 2 * upperTail(Math.abs(mean), se, n));
  }
  return { differences, mean, sd, n, confidence, interval, width: interval[1] - interval[0], verdict, pValue, ...(m != null ? { margin: m } : {}) };
}

/**
 * Compares two methods over the same seeds (values in the same order). A claim "A > B" is tested as
 * pairedComparison(A, B); "A ≈ B within a margin m" as pairedComparison with `margin` (TOST).
 */
export function pairedComparison(better: number[], baseline: number[], options: { margin?: number } = {}): PairedComparison {
  return judgeDifferences(pairedDifferences(better, baseline), options);
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

/**
 * What an undecided claim rules out: effects beyond its interval's ends, e.g. "no effect above +1.49
 * or below −0.65 points" (for an equivalence claim, at its 90 % interval).
 */
export function rulesOut(c: Pick<PairedComparison, 'interval'>, unit = ''): string {
  return `no effect above ${signed(c.interval[1])} or below ${signed(c.interval[0])}${unit ? ` ${unit}` : ''}`;
}

/** a difference as shown in tables: "+1.23", "-0.45" */
export function signed(v: number): string {
  return (v >= 0 ? '+' : '') + v.toFixed(2);
}
