/**
 * Holm's step-down correction over the family of all directional, tested claims of all ledgers:
 * sort the p-values, reject the i-th smallest (of m) while p ≤ α/(m − i), stop at the first that is
 * not. A rejected claim keeps its direction (reproduces / contradicted), the others are undecided.
 * Equivalence claims (TOST) and not-tested claims are outside the family and keep their verdict.
 */
import { ALPHA, Verdict } from './paired';

/** which hypotheses Holm rejects at level alpha, in the order given */
export function holmRejections(pValues: number[], alpha = ALPHA): boolean[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const rejected = pValues.map(() => false);
  const m = pValues.length;
  for (let k = 0; k < m; k++) {
    if (order[k][0] > alpha / (m - k)) break;
    rejected[order[k][1]] = true;
  }
  return rejected;
}

interface HolmClaim {
  result: { verdict: Verdict; pValue: number; mean: number; margin?: number; holm?: Verdict };
}

/** the family Holm corrects over: directional claims (no equivalence margin) that were tested */
export function inHolmFamily(result: Pick<HolmClaim['result'], 'verdict' | 'margin'>): boolean {
  return result.margin == null && result.verdict !== 'not tested';
}

/** sets result.holm on every claim (in place); returns the size of the family */
export function applyHolm(claims: HolmClaim[], alpha = ALPHA): number {
  const family = claims.filter((c) => inHolmFamily(c.result));
  const rejected = holmRejections(
    family.map((c) => c.result.pValue),
    alpha,
  );
  for (const c of claims) c.result.holm = c.result.verdict;
  family.forEach((c, i) => (c.result.holm = rejected[i] ? (c.result.mean > 0 ? 'reproduces' : 'contradicted') : 'undecided'));
  return family.length;
}
