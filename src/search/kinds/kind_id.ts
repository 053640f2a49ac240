/**
 * The one place that tells a GAN study from a classifier study: which kind a study is, and what
 * follows from the kind alone — the settings it needs or refuses, its objective's name and unit, its
 * search presets (kind_presets.ts) and how ktg ≤ 0.1 named its four stored metric columns
 * (legacy_metrics.ts). Light modules (no trainer imports), so that study settings and storage can ask
 * them; the kinds themselves (`kindOf`, index.ts) add what a trial is.
 */
import { isGanSpace } from '../../gan/space';

export type StudyKindId = 'classifier' | 'semi-supervised' | 'gan';

/** a GAN gate space (`kind: "gan"`) → GAN studies; `semi` settings → semi-supervised; otherwise classifier studies */
export function kindIdOf(config: { space?: unknown; semi?: unknown }): StudyKindId {
  if (isGanSpace(config.space)) return 'gan';
  return config.semi ? 'semi-supervised' : 'classifier';
}

export interface Objective {
  /** for messages, e.g. "target accuracy" or "best Inception Score (metric classifier)" */
  name: string;
  /** how a value prints: "52.34 %", "IS 2.123" */
  format(value: number | undefined): string;
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** a study's objective, from its kind and metric */
export function objectiveOf(config: { space?: unknown; semi?: unknown; metric: string }): Objective {
  if (kindIdOf(config) === 'gan') return { name: 'best Inception Score (metric classifier)', format: (v) => (finite(v) ? `IS ${v.toFixed(3)}` : '—') };
  return { name: `${config.metric} accuracy`, format: (v) => (finite(v) ? `${(100 * v).toFixed(2)} %` : '—') };
}

/** combinations the schema cannot express: GAN spaces go with GAN settings and the best-IS objective */
export function kindConfigProblems(config: { space?: unknown; semi?: unknown; gan?: unknown; metric: string }): string[] {
  const problems: string[] = [];
  if (isGanSpace(config.space)) {
    if (!config.gan) problems.push('gan: a GAN space needs GAN settings (gan.stepsPerEpoch, …)');
    if (config.metric !== 'best-is') problems.push(`metric: a GAN space is scored by "best-is", not "${config.metric}"`);
    if (config.semi) problems.push('semi: GAN studies are not semi-supervised');
  } else if (config.metric === 'best-is') problems.push('metric: "best-is" needs a GAN space (kind: "gan")');
  return problems;
}
