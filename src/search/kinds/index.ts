/**
 * The study kinds and how a study picks one: a GAN gate space (`kind: "gan"`) → GAN studies; a
 * classifier space with `semi` settings → semi-supervised; otherwise classifier studies.
 */
import type { CoGanSpec } from '../../gan/cotraining';
import { GanSpace, isGanSpace } from '../../gan/space';
import type { GraphSpec } from '../../graph/spec';
import type { SearchSpace, SpaceSize } from '../space';
import type { StudyConfig } from '../study_config';
import { classifierKind, semiSupervisedKind } from './classifier';
import { ganKind } from './gan';
import type { AnyStudyKind } from './kind';

export * from './kind';
export { classifierKind, objective, semiSupervisedKind } from './classifier';
export { ganKind, ganScorer } from './gan';

/** what a trial trains: a knowledge transfer graph or a co-training graph of generators */
export type TrialSpec = GraphSpec | CoGanSpec;

export const studyKinds = [classifierKind, semiSupervisedKind, ganKind] as const;

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

/** a classifier study's trial graph, e.g. `asGraphSpec(study.best.spec)`, validated; a co-GAN spec is an error */
export function asGraphSpec(spec: unknown): GraphSpec {
  if (typeof spec === 'object' && spec !== null && 'generators' in spec)
    throw new Error(
      `this trial trains ${String((spec as { generators: unknown }).generators)} co-trained generators, not a classifier graph (use asCoGanSpec)`,
    );
  return classifierKind.parseSpec(spec);
}

/** a GAN study's co-training graph, e.g. `asCoGanSpec(study.best.spec)`, validated; a classifier graph is an error */
export function asCoGanSpec(spec: unknown): CoGanSpec {
  if (typeof spec === 'object' && spec !== null && 'nodes' in spec)
    throw new Error(
      `this trial trains a classifier graph of ${(spec as { nodes: unknown[] }).nodes.length} model node(s), not co-trained generators (use asGraphSpec)`,
    );
  return ganKind.parseSpec(spec);
}
