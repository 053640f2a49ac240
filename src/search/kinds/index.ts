/**
 * The study kinds and how a study picks one: a GAN gate space (`kind: "gan"`) → GAN studies; a
 * classifier space with `semi` settings → semi-supervised; otherwise classifier studies.
 */
import { GanSpace, isGanSpace } from '../../gan/space';
import type { GanGraphSpec, GraphSpec } from '../../graph/spec';
import type { SearchSpace, SpaceSize } from '../space';
import type { StudyConfig } from '../study_config';
import { classifierKind, semiSupervisedKind } from './classifier';
import { ganKind } from './gan';
import type { AnyStudyKind } from './kind';

export * from './kind';
export { classifierKind, objective, semiSupervisedKind } from './classifier';
export { ganKind, ganScorer } from './gan';

/** what a trial trains: a knowledge transfer graph or a co-training graph of generators */
export type TrialSpec = GraphSpec | GanGraphSpec;

/** the kind of a study */
export function kindOf(config: Pick<StudyConfig, 'space' | 'semi'>): AnyStudyKind {
  if (isGanSpace(config.space)) return ganKind as AnyStudyKind;
  return (config.semi ? semiSupervisedKind : classifierKind) as AnyStudyKind;
}

/** A knowledge-transfer-graph space or, with `kind: "gan"`, a gate space over co-trained generators. */
export function parseAnySpace(input: unknown): SearchSpace | GanSpace {
  return isGanSpace(input) ? ganKind.parseSpace(input) : classifierKind.parseSpace(input);
}

export function anySpaceSize(space: SearchSpace | GanSpace): SpaceSize {
  return isGanSpace(space) ? ganKind.size(space) : classifierKind.size(space);
}

/** the number of generators of a GAN graph (or of an old co-GAN spec), else undefined */
function generatorsOf(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const s = spec as { kind?: unknown; nodes?: unknown[]; generators?: unknown };
  if (s.kind === 'gan') return s.nodes?.length;
  return typeof s.generators === 'number' ? s.generators : undefined;
}

/** a classifier study's trial graph, e.g. `asGraphSpec(study.best.spec)`, validated; a GAN graph is an error */
export function asGraphSpec(spec: unknown): GraphSpec {
  const generators = generatorsOf(spec);
  if (generators !== undefined) throw new Error(`this trial trains a GAN graph of ${generators} generator(s), not a classifier graph (use asCoGanSpec)`);
  return classifierKind.parseSpec(spec);
}

/** a GAN study's graph of generators, e.g. `asCoGanSpec(study.best.spec)`, validated (old co-GAN specs upgraded); a classifier graph is an error */
export function asCoGanSpec(spec: unknown): GanGraphSpec {
  if (generatorsOf(spec) === undefined && typeof spec === 'object' && spec !== null && 'nodes' in spec)
    throw new Error(
      `this trial trains a classifier graph of ${(spec as { nodes: unknown[] }).nodes.length} model node(s), not co-trained generators (use asGraphSpec)`,
    );
  return ganKind.parseSpec(spec);
}
