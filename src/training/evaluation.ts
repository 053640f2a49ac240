/** Evaluating classifiers (every node and their ensemble), a classifier run's per-epoch metrics and its result. */
import * as tf from '@tensorflow/tfjs-core';
import { toTensor } from '../data/batches';
import { ImageDataset } from '../data/dataset';
import { InputError } from '../input_error';
import { Classifier } from '../models/model';
import { DriverResult, EpochInfo, RunResult } from './epoch_driver';

export interface EpochMetrics {
  epoch: number;
  /** accuracy on the evaluation set per node (index 0 = node 1) */
  accuracy: number[];
  /** accuracy of the ensemble node: the mean of all nodes' logits (thesis Eq 4.10) */
  ensembleAccuracy: number;
  /** mean training loss per node */
  nodeLoss: number[];
  /** mean gated loss per edge (in spec order) */
  edgeLoss: number[];
  learningRate: number;
  seconds: number;
}

/** the run's status, per-epoch metrics and models (one per node, in spec order), like every trainer's */
export interface TrainResult extends RunResult<EpochMetrics, Classifier[]> {
  /** final evaluation accuracy of the target node (NaN when the run diverged) */
  targetAccuracy: number;
}

export function evaluate(model: Classifier, ds: ImageDataset, batchSize = 256): number {
  return evaluateAll([model], ds, batchSize).accuracy[0];
}

/** Accuracy of every model and of their ensemble (mean of logits, Eq 4.10) in one pass over `ds`. */
export function evaluateAll(models: Classifier[], ds: ImageDataset, batchSize = 256): { accuracy: number[]; ensembleAccuracy: number } {
  const correct = new Array<number>(models.length + 1).fill(0);
  for (let start = 0; start < ds.labels.length; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, ds.labels.length - start) }, (_, i) => start + i);
    const counts = tf.tidy(() => {
      const x = toTensor(ds, idx);
      const labels = tf.tensor1d(
        Array.from(idx, (i) => ds.labels[i]),
        'int32',
      );
      const logits = models.map((m) => m.apply(x, false).logits);
      // ensemble node: mean of the nodes' logits (thesis Eq 4.10); argmax of the sum is the same
      const ensemble = logits.length > 1 ? tf.addN(logits) : logits[0];
      return tf.stack([...logits, ensemble].map((l) => tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), labels), 'int32'))));
    });
    counts.dataSync().forEach((c, i) => (correct[i] += c));
    counts.dispose();
  }
  const n = Math.max(ds.labels.length, 1);
  return { accuracy: correct.slice(0, models.length).map((c) => c / n), ensembleAccuracy: correct[models.length] / n };
}

/** The data must match the graph: class count and input shape. */
export function checkData(spec: { numClasses: number; inputShape: readonly number[] }, data: { train: ImageDataset; test: ImageDataset }): void {
  for (const [split, ds] of Object.entries(data)) {
    if (ds.classes.length !== spec.numClasses)
      throw new InputError(`the graph has ${spec.numClasses} classes but the ${split} set ${ds.name} has ${ds.classes.length}`);
    if (ds.shape.join('x') !== spec.inputShape.join('x'))
      throw new InputError(`the graph expects ${spec.inputShape.join('×')} inputs but the ${split} set ${ds.name} has ${ds.shape.join('×')}`);
  }
  if (data.train.labels.length === 0) throw new InputError(`the training set ${data.train.name} is empty`);
}

/** one epoch's metrics: every node and the ensemble evaluated on `test`, and the epoch's mean losses (edges first, then nodes) */
export function epochMetrics(models: Classifier[], test: ImageDataset, means: number[], edgeCount: number, info: EpochInfo): EpochMetrics {
  const evaluation = evaluateAll(models, test);
  const mean = (i: number) => means[i] ?? 0;
  return {
    epoch: info.epoch + 1,
    accuracy: evaluation.accuracy,
    ensembleAccuracy: evaluation.ensembleAccuracy,
    nodeLoss: models.map((_, i) => mean(edgeCount + i)),
    edgeLoss: Array.from({ length: edgeCount }, (_, i) => mean(i)),
    learningRate: info.learningRate,
    seconds: info.seconds,
  };
}

/** a driver's run as a TrainResult of these models */
export function trainResult(run: DriverResult<EpochMetrics>, models: Classifier[], target: number): TrainResult {
  const last = run.history[run.history.length - 1];
  return { ...run, targetAccuracy: run.status === 'diverged' || !last ? NaN : last.accuracy[target], models };
}
