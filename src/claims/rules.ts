/**
 * When a comparison cannot say anything about its claim, the claim is `not tested`, with the reason.
 * The ledger decides it from the data, never by hand:
 *  - a measured precondition is unmet (e.g. a GAN arm below half the real-data IS: untrained
 *    generators; the searched graph is the baseline's own graph);
 *  - the two arms are equal on every seed (one graph measured twice);
 *  - the per-seed differences equal an earlier claim's in the same ledger (one comparison claimed twice);
 *  - the arms differ in more than the factor the claim names (a confounded comparison).
 */
import { meanStd } from '../graph/repeat';
import type { PairedComparison } from './paired';

export interface Precondition {
  name: string;
  value: number;
  threshold: number;
  /** value ≥ threshold */
  met: boolean;
}

/** a measured precondition: met when value ≥ threshold */
export function precondition(name: string, value: number, threshold: number): Precondition {
  if (!Number.isFinite(value)) throw new Error(`precondition "${name}": its value is ${value}, not a measurement`);
  return { name, value, threshold, met: value >= threshold };
}

/** the GAN claims' precondition: every arm's best IS (mean over seeds) reaches `share` of the real images' IS under the same metric classifier */
export function trainedGenerators(bestIsByArm: Record<string, number[]>, realIs: number, share = 0.5): Precondition {
  const shares = Object.entries(bestIsByArm).map(([arm, values]) => [arm, meanStd(values).mean / realIs] as const);
  if (shares.length === 0) throw new Error('trainedGenerators needs at least one arm');
  const [lowest, value] = shares.reduce((a, b) => (b[1] < a[1] ? b : a));
  return precondition(`every arm's best IS ≥ ${Math.round(100 * share)} % of the real-data IS (lowest: ${lowest})`, value, share);
}

/** the settings that tell two arms apart, e.g. { generators: 2, sn: true, transfer: 'images' } */
export type ArmSettings = Record<string, string | number | boolean>;

export interface ArmsDeclaration {
  /** what the claim is about: the only settings in which the arms may differ */
  factor: string[];
  better: ArmSettings;
  baseline: ArmSettings;
}

/** settings (other than the factor) in which the two arms differ */
export function confounders(arms: ArmsDeclaration): string[] {
  const keys = [...new Set([...Object.keys(arms.better), ...Object.keys(arms.baseline)])];
  return keys.filter((k) => !arms.factor.includes(k) && arms.better[k] !== arms.baseline[k]);
}

export interface RuleInput {
  preconditions: Precondition[];
  arms?: ArmsDeclaration;
  comparison: Pick<PairedComparison, 'differences'>;
}

/** the reason a claim is not tested, or undefined when its comparison stands; `earlier` are the ledger's claims before it */
export function notTestedReason(claim: RuleInput, earlier: Array<{ claim: string; result: Pick<PairedComparison, 'differences'> }>): string | undefined {
  if (claim.arms) {
    const extra = confounders(claim.arms);
    if (extra.length > 0) return `the arms differ in ${extra.join(', ')} as well as ${claim.arms.factor.join(', ')}`;
  }
  const unmet = claim.preconditions.filter((p) => !p.met);
  if (unmet.length > 0) return `precondition not met: ${unmet.map((p) => `${p.name} (${round(p.value)} < ${round(p.threshold)})`).join('; ')}`;
  const d = claim.comparison.differences;
  if (d.every((x) => x === 0)) return 'identical arms: equal on every seed';
  const twin = earlier.find((e) => e.result.differences.length === d.length && e.result.differences.every((x, i) => x === d[i]));
  if (twin) return `same per-seed differences as "${twin.claim}": one comparison`;
  return undefined;
}

const round = (v: number) => String(Number(v.toPrecision(3)));
