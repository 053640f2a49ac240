/**
 * A study kind: everything the search machinery needs to know about what a trial is. The worker,
 * the CLI reports and the study figures talk to a kind, never to a particular trainer; storage
 * keeps a trial's spec as opaque JSON and its per-epoch metrics by name.
 */
import type { ImageDataset } from '../../data/dataset';
import type { SpaceSize } from '../space';
import type { StudyConfig } from '../study_config';
import type { NamedMetrics } from '../storage/types';

/** a study's data: validation carved out of the training set (seed 0), then the training part */
export interface SearchData {
  train: ImageDataset;
  validation: ImageDataset;
  numClasses: number;
  inputShape: [number, number, number];
  /** semi-supervised studies: the training part split into labelled and unlabelled images */
  semi?: { labelled: ImageDataset; unlabelled: ImageDataset };
}

/** what a trial reports after an epoch */
export interface EpochReport {
  epoch: number;
  /** the study's objective */
  value: number;
  metrics: NamedMetrics;
  seconds: number;
}

/** stores an epoch's report; the answer is "stop" when ASHA prunes the trial */
export type RecordEpoch = (report: EpochReport) => Promise<void | 'stop'>;

export interface TrialContext {
  config: StudyConfig;
  data: SearchData;
  /** the trial's seed (its sample and its training) */
  seed: number;
  signal?: AbortSignal;
  record: RecordEpoch;
}

export interface TrialOutcome {
  status: 'completed' | 'stopped' | 'aborted' | 'diverged';
  error?: string;
}

import type { StudyKindId } from './kind_id';
export type { StudyKindId } from './kind_id';

/**
 * Methods (not function-valued properties) so that a kind over its own Space/Spec types is a
 * `StudyKind` as the worker sees it (`AnyStudyKind`).
 */
export interface StudyKind<Space, Spec, Prepared = undefined> {
  readonly id: StudyKindId;
  /** the names of the metrics each epoch records (keys of EpochRow.metrics) */
  readonly metrics: readonly string[];
  /** validates a space (errors name the offending field) */
  parseSpace(input: unknown): Space;
  size(space: Space): SpaceSize;
  /** the spec of trial `seed`: deterministic in (space, seed) */
  sample(space: Space, seed: number, data: Pick<SearchData, 'numClasses' | 'inputShape'>): Spec;
  /** a stored spec, validated (old id spellings upgraded) */
  parseSpec(stored: unknown): Spec;
  /** once per worker, before its first trial (e.g. the GAN metric classifier) */
  prepare(config: StudyConfig, data: SearchData): Promise<Prepared>;
  runTrial(spec: Spec, context: TrialContext, prepared: Prepared): Promise<TrialOutcome>;
  /** a multi-line text summary */
  describe(spec: Spec): string;
  /** Graphviz source of the spec */
  toDot(spec: Spec, options?: { title?: string }): string;
  /** one line for tables: the models and the gates */
  summary(spec: Spec): { models: string; gates: string };
  /** what a trial's spec is, in messages: "graph spec", "co-training spec" */
  readonly specNoun: string;
  /** how to train an exported spec (the hint of `ktg best --out FILE`) */
  trainHint(file: string, config: StudyConfig): string;
}

export type AnyStudyKind = StudyKind<unknown, unknown, unknown>;
