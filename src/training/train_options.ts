/** The settings of a classifier trainer (knowledge transfer graphs, semi-supervised graphs, label-only pretraining) and their checks. */
import { Augmentation } from '../data/augment';
import { InputError } from '../input_error';
import type { OnEpoch } from './epoch_driver';
import type { EpochMetrics } from './evaluation';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: 'cosine' | 'step' | 'constant';
  /** step schedule: epochs at which lr is divided by 10 */
  milestones?: number[];
  seed?: number;
  augmentation?: Augmentation;
  /** called after each epoch with that epoch's metrics; returning "stop" ends training there (status "stopped") */
  onEpoch?: OnEpoch<EpochMetrics>;
  /** aborts between steps (status "aborted"), e.g. on Ctrl-C */
  signal?: AbortSignal;
  /** epochs for on-demand label-only pretraining of frozen nodes (default: same as epochs) */
  pretrainEpochs?: number;
  /** save every learning node's checkpoint here (`node<i>-<model>-epoch<e>.ckpt`) every `every` epochs (default: the last one only) */
  checkpoint?: { dir: string; every?: number };
  /** an edge whose mean batch loss exceeds this ends the run as diverged (default MAX_EDGE_LOSS = 1e6) */
  maxEdgeLoss?: number;
}

/** Training settings that would silently train nothing or produce NaN are errors before any work. */
export function checkTrainOptions(options: TrainOptions, trainSize: number, minBatch = 1): void {
  const problems: string[] = [];
  const positiveInt = (name: string, v: number | undefined) => {
    if (!(Number.isInteger(v) && (v as number) >= 1)) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt('epochs', options.epochs);
  positiveInt('batchSize', options.batchSize);
  for (const [name, v] of [
    ['learningRate', options.learningRate],
    ['momentum', options.momentum],
    ['weightDecay', options.weightDecay],
  ] as const) {
    if (v != null && !(Number.isFinite(v) && v >= 0)) problems.push(`${name} must be a finite number ≥ 0, got ${v}`);
  }
  if (options.pretrainEpochs != null) positiveInt('pretrainEpochs', options.pretrainEpochs);
  if (options.maxEdgeLoss != null && !(options.maxEdgeLoss > 0)) problems.push(`maxEdgeLoss must be > 0, got ${options.maxEdgeLoss}`);
  if (Number.isInteger(options.batchSize) && options.batchSize > trainSize) {
    problems.push(`batchSize ${options.batchSize} is larger than the training set (${trainSize} images): no optimisation step would run`);
  } else if (trainSize < minBatch) problems.push(`the training set has ${trainSize} images, fewer than one batch`);
  if (problems.length) throw new InputError(`invalid training options: ${problems.join('; ')}`);
}
