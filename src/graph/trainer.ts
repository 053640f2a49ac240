/**
 * Algorithm 1 of the thesis: every node sees the same mini-batch, one forward pass per node per
 * step, source outputs are stop-gradient, and all learning nodes are updated at once from
 * L_t = Σ_s G_{s,t}(L_{s,t}). Nodes whose incoming edges are all cut are label-only pretrained
 * models (trained on demand and cached in memory for the process) and stay frozen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SgdMomentum } from '../optim';
import { ImageDataset } from '../data/dataset';
import { Batch, batches, toTensor } from '../data/batches';
import { build, Classifier, ForwardOutput, trainableVariables } from '../models/model';
import { createModel } from '../models/registry';
import { stopGradient } from '../tensor/stop_gradient';
import { ParamStore } from '../models/layers';
import { lossDefinition } from '../losses/registry';
import {
  checkData,
  checkTrainOptions,
  detachOutput,
  disposeModels,
  DivergedError,
  driveEpochs,
  edgeName,
  EpochMetrics,
  epochMetrics,
  gatedEdgeLoss,
  learningRateAt,
  MAX_EDGE_LOSS,
  perSampleEdgeLoss,
  pretrained,
  saveCheckpoints,
  stepDivergence,
  TrainOptions,
  TrainResult,
  trainResult,
} from '../training';
import { frozenNodes, GraphSpec, GraphSpecError, GraphSpecInput, isSemiSupervised, parseGraphSpec } from './spec';
import { InputError } from '../input_error';

// the trainer kit (src/training) under the names notebooks and older code use from ktg.graph
export {
  checkTrainOptions,
  disposeModels,
  DivergedError,
  evaluate,
  evaluateAll,
  learningRateAt,
  MAX_EDGE_LOSS,
  pretrained,
  pretrainedDir,
  yieldToEventLoop,
} from '../training';
export type { EpochMetrics, TrainOptions, TrainResult, TrainStatus } from '../training';

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
        problems.push(`${edgeName(spec.edges, i)}: ${(err as Error).message.split('\n')[0]}`);
      }
    });
  });
  if (problems.length) {
    for (const p of params) p?.dispose();
    throw new GraphSpecError(problems);
  }
  return params;
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
