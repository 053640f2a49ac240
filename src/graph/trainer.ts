/**
 * Algorithm 1 of the thesis: every node sees the same mini-batch, one forward pass per node per
 * step, source outputs are stop-gradient, and all learning nodes are updated at once from
 * L_t = Σ_s G_{s,t}(L_{s,t}). Nodes whose incoming edges are all cut are label-only pretrained
 * models (trained on demand and cached in memory for the process) and stay frozen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SgdMomentum } from '../optim';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { fingerprint, ImageDataset } from '../data/dataset';
import { dataDir } from '../data/registry';
import { loadCheckpoint, saveCheckpoint } from '../models/checkpoint';
import { Batch, batches, toTensor } from '../data/batches';
import { Augmentation } from '../data/augment';
import { build, Classifier, ForwardOutput, trainableVariables } from '../models/model';
import { createModel } from '../models/registry';
import { stopGradient } from '../tensor/stop_gradient';
import { detachOutput, gatedEdgeLoss, perSampleEdgeLoss } from './edge_loss';
import { ParamStore } from '../models/layers';
import { lossDefinition } from '../losses/registry';
import { DivergedError, driveEpochs, DriverResult, EpochInfo, learningRateAt, TrainStatus, yieldToEventLoop } from '../training/epoch_driver';
import { frozenNodes, GraphSpec, GraphSpecError, GraphSpecInput, isSemiSupervised, parseGraphSpec } from './spec';
import { vanillaSpecFor } from './presets';
import { InputError } from '../input_error';

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
  onEpoch?: (metrics: EpochMetrics) => void | 'stop' | Promise<void | 'stop'>;
  /** aborts between steps (status "aborted"), e.g. on Ctrl-C */
  signal?: AbortSignal;
  /** epochs for on-demand label-only pretraining of frozen nodes (default: same as epochs) */
  pretrainEpochs?: number;
  /** save every learning node's checkpoint here (`node<i>-<model>-epoch<e>.ckpt`) every `every` epochs (default: the last one only) */
  checkpoint?: { dir: string; every?: number };
  /** an edge whose mean batch loss exceeds this ends the run as diverged (default MAX_EDGE_LOSS = 1e6) */
  maxEdgeLoss?: number;
}

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

export type { TrainStatus };

export interface TrainResult {
  status: TrainStatus;
  error?: string;
  history: EpochMetrics[];
  /** final evaluation accuracy of the target node */
  targetAccuracy: number;
  models: Classifier[];
}

/** Frees the variables of a result's models, except frozen pretrained ones (cached for reuse). */
export function disposeModels(result: Pick<TrainResult, 'models'>): void {
  for (const m of result.models) if (!cachedPretrained.has(m)) m.params.dispose();
}

export { DivergedError, learningRateAt, yieldToEventLoop };

/**
 * An edge whose mean loss over a batch exceeds this has exploded (seen: FSP between an ABN ResNet
 * and a small CNN at 3e21, a FitNets hint at 2e9, with the target stuck at chance): the run ends as
 * `diverged`, naming the edge. Probability losses stay far below it (KL/CE ≲ 100).
 */
export const MAX_EDGE_LOSS = 1e6;

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

/**
 * Why a training step diverged, or undefined: the first edge whose mean batch loss is non-finite or
 * above `maxEdgeLoss` (named), else a non-finite total. Shared by every trainer.
 */
export function stepDivergence(spec: GraphSpec, edgeValues: number[], total: number, maxEdgeLoss: number, epoch: number, step: number): string | undefined {
  const at = `at epoch ${epoch + 1}, step ${step + 1}`;
  const i = edgeValues.findIndex((v) => !Number.isFinite(v) || v > maxEdgeLoss);
  if (i >= 0) return `${edgeName(spec, i)}: loss ${edgeValues[i]} ${Number.isFinite(edgeValues[i]) ? `exceeds ${maxEdgeLoss}` : 'is not finite'} ${at}`;
  return Number.isFinite(total) ? undefined : `loss became ${total} ${at}`;
}

/** "edge 2 (2→1, fsp)" */
function edgeName(spec: GraphSpec, i: number): string {
  const e = spec.edges[i];
  return `edge ${i} (${e.source}→${e.target}, ${e.loss})`;
}

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
  spec: GraphSpec,
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
  const vanilla = vanillaSpecFor(spec, model);
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
  let trained: Classifier | undefined;
  if (file && fs.existsSync(file)) {
    trained = build(createModel(model, { numClasses: spec.numClasses, inputShape: spec.inputShape, seed: seed * 1000 + 1 }));
    loadCheckpoint(trained, file);
  } else {
    const result = await trainGraph(vanilla, data, { ...options, epochs, onEpoch: undefined, signal: undefined, checkpoint: undefined });
    if (result.status !== 'completed') throw new Error(`pretraining ${model} diverged: ${result.error}`);
    trained = result.models[0];
    if (file) saveCheckpoint(trained, file, { ...settings, trainSet: fingerprint(data.train) });
  }
  perData.set(key, trained);
  cachedPretrained.add(trained);
  return trained;
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

/**
 * Parameters owned by edges (FitNets regressors), created by one forward pass on two samples. The
 * same pass checks every edge before training: losses between incompatible feature maps (FSP
 * between different widths, attention maps of different sizes, …) fail here naming the edge.
 */
export function buildEdgeParams(spec: GraphSpec, models: Classifier[], train: ImageDataset, seed: number): (ParamStore | undefined)[] {
  const params = spec.edges.map((e, i) => lossDefinition(e.loss).createParams?.(seed * 1000 + 500 + i, `edge${i}/`));
  const problems: string[] = [];
  tf.tidy(() => {
    const n = Math.min(2, train.labels.length);
    const x = toTensor(
      train,
      Int32Array.from({ length: n }, (_, i) => i),
    );
    const outputs = models.map((m) => m.apply(x, false));
    const labels = tf.tensor1d(
      Array.from({ length: n }, (_, i) => train.labels[i]),
      'int32',
    );
    spec.edges.forEach((e, i) => {
      if (e.source === 0 || isSemiSupervised({ ...spec, edges: [e] })) return;
      try {
        perSampleEdgeLoss(e, {
          source: outputs[e.source - 1],
          target: outputs[e.target - 1],
          labels,
          numClasses: spec.numClasses,
          step: 0,
          totalSteps: 1,
          params: params[i],
        });
      } catch (err) {
        problems.push(`${edgeName(spec, i)}: ${(err as Error).message.split('\n')[0]}`);
      }
    });
  });
  if (problems.length) {
    for (const p of params) p?.dispose();
    throw new GraphSpecError(problems);
  }
  return params;
}

/** The data must match the spec: class count and input shape. */
export function checkData(spec: GraphSpec, data: { train: ImageDataset; test: ImageDataset }): void {
  for (const [split, ds] of Object.entries(data)) {
    if (ds.classes.length !== spec.numClasses)
      throw new InputError(`the graph has ${spec.numClasses} classes but the ${split} set ${ds.name} has ${ds.classes.length}`);
    if (ds.shape.join('x') !== spec.inputShape.join('x'))
      throw new InputError(`the graph expects ${spec.inputShape.join('×')} inputs but the ${split} set ${ds.name} has ${ds.shape.join('×')}`);
  }
  if (data.train.labels.length === 0) throw new InputError(`the training set ${data.train.name} is empty`);
}

export function saveCheckpoints(spec: GraphSpec, models: Classifier[], learning: boolean[], dir: string, epoch: number): void {
  models.forEach((m, i) => {
    if (learning[i]) saveCheckpoint(m, path.join(dir, `node${i + 1}-${spec.nodes[i].model}-epoch${epoch}.ckpt`), { node: i + 1, epoch });
  });
}

export async function trainGraph(
  input: GraphSpecInput | GraphSpec,
  data: { train: ImageDataset; test: ImageDataset },
  options: TrainOptions,
): Promise<TrainResult> {
  const spec = parseGraphSpec(input);
  if (isSemiSupervised(spec))
    throw new InputError('this graph has semi-supervised edges (consistency, pseudo, pseudo-threshold, ema): train it with trainSemiGraph');
  checkData(spec, data);
  checkTrainOptions(options, data.train.labels.length);
  const seed = options.seed ?? 0;
  const frozen = new Set(frozenNodes(spec));
  const models: Classifier[] = [];
  let edgeParams: (ParamStore | undefined)[];
  try {
    for (const [i, n] of spec.nodes.entries()) {
      if (frozen.has(i + 1)) models.push(await pretrained(spec, n.model, data, options));
      else models.push(build(createModel(n.model, { numClasses: spec.numClasses, inputShape: spec.inputShape, seed: seed * 1000 + (n.seed ?? i + 1) })));
    }
    edgeParams = buildEdgeParams(spec, models, data.train, seed);
  } catch (err) {
    disposeModels({ models });
    throw err;
  }
  const learning = spec.nodes.map((_, i) => !frozen.has(i + 1));
  const varList = [
    ...models.flatMap((m, i) => (learning[i] ? trainableVariables(m) : [])),
    ...spec.edges.flatMap((e, i) => (edgeParams[i] && learning[e.target - 1] ? edgeParams[i]!.variables() : [])),
  ];
  // Nesterov momentum; L2 weight decay on weights of rank > 1 (not biases, not batch-norm γ/β)
  const optimizer = new SgdMomentum({
    learningRate: options.learningRate ?? 0.1,
    momentum: options.momentum ?? 0.9,
    nesterov: true,
    weightDecay: options.weightDecay ?? 5e-4,
  });
  const stepsPerEpoch = Math.floor(data.train.labels.length / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  const edgeCount = spec.edges.length;
  const maxEdgeLoss = options.maxEdgeLoss ?? MAX_EDGE_LOSS;
  try {
    const run = await driveEpochs<Batch, EpochMetrics>({
      epochs: options.epochs,
      learningRate: (epoch) => learningRateAt(options, epoch),
      optimizers: [optimizer],
      steps: (epoch) => batches(data.train, { batchSize: options.batchSize, seed, epoch, augmentation: options.augmentation ?? 'none' }),
      discard: (batch) => tf.dispose([batch.x, batch.labels]),
      step: (batch, { epoch, step }) => {
        const parts: tf.Scalar[] = [];
        const cost = optimizer.minimize(
          () => {
            // one forward per node; frozen nodes run in inference mode
            const outputs: ForwardOutput[] = models.map((m, i) => m.apply(batch.x, learning[i]));
            const detached = outputs.map(detachOutput);
            const perNode = models.map(() => [] as tf.Scalar[]);
            spec.edges.forEach((e, i) => {
              const loss = gatedEdgeLoss(e, {
                source: e.source === 0 ? undefined : detached[e.source - 1],
                target: outputs[e.target - 1],
                labels: batch.labels,
                numClasses: spec.numClasses,
                step,
                totalSteps,
                params: edgeParams[i],
              });
              parts.push(tf.keep(stopGradient(loss)));
              if (learning[e.target - 1]) perNode[e.target - 1].push(loss);
            });
            const nodeTotals = perNode.map((l) => (l.length ? tf.addN(l) : tf.scalar(0)));
            nodeTotals.forEach((t) => parts.push(tf.keep(stopGradient(t as tf.Scalar))));
            return tf.addN(nodeTotals) as tf.Scalar;
          },
          true,
          varList,
        )!;
        const values = parts.map((p) => p.dataSync()[0]);
        const totalValue = cost.dataSync()[0];
        tf.dispose([cost, ...parts, batch.x, batch.labels]);
        const diverged = stepDivergence(spec, values.slice(0, edgeCount), totalValue, maxEdgeLoss, epoch, step);
        if (diverged) throw new DivergedError(diverged);
        return values;
      },
      endEpoch: (means, info) => epochMetrics(models, data.test, means, edgeCount, info),
      onEpoch: options.onEpoch,
      checkpoint: options.checkpoint && {
        every: options.checkpoint.every,
        save: (epochs) => saveCheckpoints(spec, models, learning, options.checkpoint!.dir, epochs),
      },
      signal: options.signal,
    });
    return trainResult(run, models, target);
  } catch (err) {
    disposeModels({ models });
    throw err;
  } finally {
    for (const p of edgeParams) p?.dispose();
  }
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
  return {
    status: run.status,
    ...(run.error ? { error: run.error } : {}),
    history: run.history,
    targetAccuracy: run.status === 'diverged' || !last ? NaN : last.accuracy[target],
    models,
  };
}
