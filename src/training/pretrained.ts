/**
 * The pretrained-node cache: label-only models for frozen nodes (every incoming edge cut) and for
 * metric classifiers, trained on demand, kept in memory per training-set object and on disk per
 * (training-set content, model, settings, seed). Trained here by the label-only loop below — the
 * same steps, numbers and seeds as a one-node graph with its label edge — so the trainers above
 * (graph, semi, gan) share it without calling each other.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { batches } from '../data/batches';
import { fingerprint, ImageDataset } from '../data/dataset';
import { dataDir } from '../data/registry';
import { loadCheckpoint, saveCheckpoint } from '../models/checkpoint';
import { build, Classifier, trainableVariables } from '../models/model';
import { createModel } from '../models/registry';
import { SgdMomentum } from '../optim';
import { DEFAULT_GATE } from '../gates';
import { LABEL_LOSS } from '../losses';
import { gatedEdgeLoss } from './edge_loss';
import { DivergedError, driveEpochs, DriverResult, learningRateAt } from './epoch_driver';
import { checkData } from './evaluation';
import { checkTrainOptions, TrainOptions } from './train_options';

/** pretrained models per training set (by identity: subsets share names and sizes), then per (model, epochs, seed) */
const pretrainedCache = new WeakMap<ImageDataset, Map<string, Classifier>>();
const cachedPretrained = new WeakSet<Classifier>();

/** where pretrained frozen nodes are kept between processes: KTG_PRETRAINED_DIR, "off" to disable; default <data dir>/pretrained */
export function pretrainedDir(): string | undefined {
  const env = process.env.KTG_PRETRAINED_DIR;
  if (env === 'off') return undefined;
  return path.resolve(env ?? path.join(dataDir(), 'pretrained'));
}

/**
 * Label-only model for a frozen node, trained on demand and cached in memory per training-set
 * object and on disk per (training-set content, model, training settings, seed), so search
 * workers and notebooks share them.
 */
export async function pretrained(
  spec: { numClasses: number; inputShape: [number, number, number] },
  model: string,
  data: { train: ImageDataset; test: ImageDataset },
  options: TrainOptions,
): Promise<Classifier> {
  const epochs = options.pretrainEpochs ?? options.epochs;
  const seed = options.seed ?? 0;
  const key = `${model}|${epochs}|${seed}`;
  let perData = pretrainedCache.get(data.train);
  if (!perData) pretrainedCache.set(data.train, (perData = new Map()));
  const hit = perData.get(key);
  if (hit) return hit;
  const settings = {
    model,
    epochs,
    seed,
    batchSize: options.batchSize,
    lr: options.learningRate ?? 0.1,
    momentum: options.momentum ?? 0.9,
    wd: options.weightDecay ?? 5e-4,
    schedule: options.schedule ?? 'cosine',
    milestones: options.milestones ?? [],
    augmentation: options.augmentation ?? 'none',
    numClasses: spec.numClasses,
    inputShape: spec.inputShape,
  };
  const dir = pretrainedDir();
  const file =
    dir && path.join(dir, `${model}-${fingerprint(data.train)}-${createHash('sha1').update(JSON.stringify(settings)).digest('hex').slice(0, 12)}.ckpt`);
  // the seed a label-only graph gives its one node (trainGraph: seed · 1000 + node number)
  const trained = build(createModel(model, { numClasses: spec.numClasses, inputShape: spec.inputShape, seed: seed * 1000 + 1 }));
  if (file && fs.existsSync(file)) loadCheckpoint(trained, file);
  else {
    checkData(spec, data);
    checkTrainOptions({ ...options, epochs }, data.train.labels.length);
    const run = await trainLabelOnly(trained, data.train, { ...options, epochs });
    if (run.status !== 'completed') {
      trained.params.dispose();
      throw new Error(`pretraining ${model} diverged: ${run.error}`);
    }
    if (file) saveCheckpoint(trained, file, { ...settings, trainSet: fingerprint(data.train) });
  }
  perData.set(key, trained);
  cachedPretrained.add(trained);
  return trained;
}

/** Frees the variables of a result's models, except frozen pretrained ones (cached for reuse). */
export function disposeModels(result: { models: Classifier[] }): void {
  for (const m of result.models) if (!cachedPretrained.has(m)) m.params.dispose();
}

/** the label edge of a one-node graph: cross-entropy (plus an ABN model's attention-branch CE), gate through */
const LABEL_EDGE = { source: 0, target: 1, loss: LABEL_LOSS, gate: DEFAULT_GATE };

/**
 * Trains `model` on the labels alone: SGD with Nesterov momentum and weight decay, the learning-rate
 * schedule and the seeded batches of `trainGraph` (which computes the same loss for a one-node graph).
 */
export async function trainLabelOnly(model: Classifier, train: ImageDataset, options: TrainOptions): Promise<DriverResult<undefined>> {
  const seed = options.seed ?? 0;
  const vars = trainableVariables(model);
  const optimizer = new SgdMomentum({
    learningRate: options.learningRate ?? 0.1,
    momentum: options.momentum ?? 0.9,
    nesterov: true,
    weightDecay: options.weightDecay ?? 5e-4,
  });
  const totalSteps = Math.floor(train.labels.length / options.batchSize) * options.epochs;
  return driveEpochs({
    epochs: options.epochs,
    learningRate: (epoch) => learningRateAt(options, epoch),
    optimizers: [optimizer],
    steps: (epoch) => batches(train, { batchSize: options.batchSize, seed, epoch, augmentation: options.augmentation ?? 'none' }),
    discard: (batch) => tf.dispose([batch.x, batch.labels]),
    step: (batch, { epoch, step }) => {
      const cost = optimizer.minimize(
        () => gatedEdgeLoss(LABEL_EDGE, { target: model.apply(batch.x, true), labels: batch.labels, numClasses: train.classes.length, step, totalSteps }),
        true,
        vars,
      )!;
      const value = cost.dataSync()[0];
      tf.dispose([cost, batch.x, batch.labels]);
      if (!Number.isFinite(value)) throw new DivergedError(`the label loss became ${value} at epoch ${epoch + 1}, step ${step + 1}`);
      return [value];
    },
    endEpoch: () => undefined,
  });
}
