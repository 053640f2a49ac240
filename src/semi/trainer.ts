/**
 * Semi-supervised knowledge transfer graphs (thesis Ch.5). Each step takes a labelled batch (weak
 * view: flip + crop) and an unlabelled batch in two views of the same images, weak (ζ2) and strong
 * (ζ1: flip + crop + RandAugment); every node runs once on the three concatenated (as FixMatch
 * does, so batch norm sees them together). Label edges: CE on the labelled batch. Unlabelled edges
 * s→t (self-loops allowed) compare the target's strong-view output with the source's weak-view
 * output (stop-gradient): consistency KL (Eq 5.1), pseudo-label CE (Eq 5.4), thresholded pseudo-label
 * (Eq 5.5). Gates as everywhere (threshold: max p_s(weak) > τ, Eq 5.8); node loss Eq 5.9. EMA edges
 * make the target an exponential moving average of the source (Eq 5.2), never trained by backprop;
 * nodes with no learning edge are label-pretrained on the labelled set and frozen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SgdMomentum } from '../optim';
import { toTensor } from '../data/batches';
import { ImageDataset } from '../data/dataset';
import { Rng } from '../data/random';
import { applyGate, DEFAULT_TAU, gateBlocks, gateDefinition } from '../gates';
import { crossEntropy, lossDefinition, lossNames } from '../losses';
import { build, Classifier, trainableVariables } from '../models/model';
import { createModel } from '../models/registry';
import { stopGradient } from '../tensor/stop_gradient';
import { copyEdges, EdgeSpec, frozenNodes, GraphSpec, GraphSpecInput, parseGraphSpec } from '../graph/spec';
import {
  checkData,
  checkTrainOptions,
  disposeModels,
  epochMetrics,
  MAX_EDGE_LOSS,
  pretrained,
  saveCheckpoints,
  stepDivergence,
  TrainOptions,
  TrainResult,
  trainResult,
  DivergedError,
  driveEpochs,
  learningRateAt,
} from '../training';

export interface SemiData {
  labelled: ImageDataset;
  unlabelled: ImageDataset;
  test: ImageDataset;
}

export interface SemiOptions extends Omit<TrainOptions, 'batchSize' | 'augmentation'> {
  /** labelled images per step (FixMatch: 64) */
  labelledBatch: number;
  /** unlabelled images per step (FixMatch: 7 × 64) */
  unlabelledBatch: number;
  /** EMA decay α (default 0.999) */
  emaDecay?: number;
  /** confidence threshold τ of pseudo-threshold losses and threshold gates (default 0.95) */
  tau?: number;
}

/** one node's outputs on a step's three parts */
export interface SemiOutputs {
  labelled: tf.Tensor2D;
  weak: tf.Tensor2D;
  strong: tf.Tensor2D;
}

/** per-sample loss of an edge (before the gate): the label edge's CE, else the loss's unlabelled function (src/losses/registry.ts) */
export function semiEdgeLoss(edge: EdgeSpec, target: SemiOutputs, source: SemiOutputs | undefined, labels: tf.Tensor1D, tau: number): tf.Tensor1D {
  return tf.tidy(() => {
    if (edge.source === 0) return crossEntropy(labels, target.labelled);
    if (!source) throw new Error(`edge ${edge.source}→${edge.target} has no source outputs`);
    const def = lossDefinition(edge.loss);
    if (!def.unlabelled) {
      const usable = lossNames.filter((n) => lossDefinition(n).unlabelled || lossDefinition(n).noLoss);
      throw new Error(
        `edge ${edge.source}→${edge.target}: loss "${edge.loss}" is not available in semi-supervised graphs (use ce on label edges, ${usable.join(', ')})`,
      );
    }
    return def.unlabelled(edge, {
      sourceWeakProbs: tf.softmax(stopGradient(source.weak)) as tf.Tensor2D,
      targetWeak: target.weak,
      targetStrong: target.strong,
      tau,
    });
  });
}

/** Σ over a node's incoming edges of the gated mean loss (Eq 5.9); ema edges carry no loss. */
export function semiNodeLosses(
  spec: GraphSpec,
  outputs: SemiOutputs[],
  labels: tf.Tensor1D,
  step: number,
  totalSteps: number,
  tau = DEFAULT_TAU,
): { node: tf.Scalar[]; edge: tf.Scalar[] } {
  const edge = spec.edges.map((e) =>
    tf.tidy(() => {
      if (lossDefinition(e.loss).noLoss || gateBlocks(e.gate)) return tf.scalar(0);
      const src = e.source === 0 ? undefined : outputs[e.source - 1];
      const perSample = semiEdgeLoss(e, outputs[e.target - 1], src, labels, tau);
      const sourceProbs =
        e.source === 0 ? (tf.oneHot(tf.cast(labels, 'int32'), spec.numClasses) as tf.Tensor2D) : (tf.softmax(stopGradient(src!.weak)) as tf.Tensor2D);
      // a gate whose τ has a default takes the trainer's τ when the spec leaves it out
      const gate = gateDefinition(e.gate.name).defaults?.tau !== undefined && e.gate.tau === undefined ? { ...e.gate, tau: tau } : e.gate;
      return tf.mean(applyGate(gate, perSample, { step, totalSteps, sourceProbs, labels: e.source === 0 ? labels : undefined })) as tf.Scalar;
    }),
  );
  const node = spec.nodes.map((_, i) => {
    const mine = spec.edges
      .map((e, j) => (e.target === i + 1 && !lossDefinition(e.loss).noLoss ? edge[j] : undefined))
      .filter((x): x is tf.Scalar => x !== undefined);
    return mine.length ? (tf.addN(mine) as tf.Scalar) : tf.scalar(0);
  });
  return { node, edge };
}

/** θ_t ← α θ_t + (1 − α) θ_s for weights and batch-norm statistics (Eq 5.2) */
export function emaUpdate(target: Classifier, source: Classifier, alpha: number): void {
  tf.tidy(() => {
    for (const group of ['trainable', 'state'] as const) {
      for (const [name, v] of target.params[group]) {
        const s = source.params[group].get(name);
        if (!s) throw new Error(`EMA: ${source.info.name} has no variable ${name}`);
        v.assign(tf.add(tf.mul(v, alpha), tf.mul(s, 1 - alpha)));
      }
    }
  });
}

function copyWeights(target: Classifier, source: Classifier): void {
  emaUpdate(target, source, 0);
}

export async function trainSemiGraph(input: GraphSpecInput | GraphSpec, data: SemiData, options: SemiOptions): Promise<TrainResult> {
  const spec = parseGraphSpec(input);
  checkData(spec, { train: data.labelled, test: data.test });
  checkData(spec, { train: data.unlabelled, test: data.test });
  for (const [i, e] of spec.edges.entries()) {
    if (e.source !== 0 && gateDefinition(e.gate.name).needsLabels)
      throw new Error(`edge ${i} (${e.source}→${e.target}): gate "${e.gate.name}" needs labels, which unlabelled data does not have`);
  }
  checkTrainOptions({ ...options, batchSize: options.labelledBatch }, data.labelled.labels.length);
  checkTrainOptions({ ...options, batchSize: options.unlabelledBatch }, data.unlabelled.labels.length);
  const seed = options.seed ?? 0;
  const tau = options.tau ?? DEFAULT_TAU;
  const alpha = options.emaDecay ?? 0.999;
  const frozen = new Set(frozenNodes(spec));
  const ema = new Map(copyEdges(spec).map((e) => [e.target, e.source]));
  const models: Classifier[] = [];
  const pretrainOptions: TrainOptions = {
    ...options,
    batchSize: options.labelledBatch,
    augmentation: 'weak',
    onEpoch: undefined,
    signal: undefined,
    checkpoint: undefined,
  };
  for (const [i, n] of spec.nodes.entries()) {
    if (frozen.has(i + 1)) models.push(await pretrained(spec, n.model, { train: data.labelled, test: data.test }, pretrainOptions));
    else models.push(build(createModel(n.model, { numClasses: spec.numClasses, inputShape: spec.inputShape, seed: seed * 1000 + (n.seed ?? i + 1) })));
  }
  for (const [t, s] of ema) copyWeights(models[t - 1], models[s - 1]);
  const learning = spec.nodes.map((_, i) => !frozen.has(i + 1) && !ema.has(i + 1));
  const varList = models.flatMap((m, i) => (learning[i] ? trainableVariables(m) : []));
  // Nesterov momentum; L2 weight decay on weights of rank > 1 (not biases, not batch-norm γ/β)
  const optimizer = new SgdMomentum({
    learningRate: options.learningRate ?? 0.03,
    momentum: options.momentum ?? 0.9,
    nesterov: true,
    weightDecay: options.weightDecay ?? 5e-4,
  });
  const stepsPerEpoch = Math.floor(data.unlabelled.labels.length / options.unlabelledBatch);
  if (stepsPerEpoch < 1)
    throw new Error(`the unlabelled set (${data.unlabelled.labels.length}) is smaller than one unlabelled batch (${options.unlabelledBatch})`);
  const totalSteps = stepsPerEpoch * options.epochs;
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  const edgeCount = spec.edges.length;
  const maxEdgeLoss = options.maxEdgeLoss ?? MAX_EDGE_LOSS;
  let labelledOrder = new Int32Array(0);
  let labelledAt = 0;
  // one step = an unlabelled batch (in a per-epoch permutation) and the next labelled batch (cycling)
  function* steps(epoch: number): Generator<{ rng: Rng; idxU: Int32Array }> {
    const rng = new Rng(seed * 1_000_003 + epoch);
    const unlabelledOrder = rng.permutation(data.unlabelled.labels.length);
    for (let b = 0; b < stepsPerEpoch; b++) yield { rng, idxU: unlabelledOrder.subarray(b * options.unlabelledBatch, (b + 1) * options.unlabelledBatch) };
  }
  try {
    const run = await driveEpochs({
      epochs: options.epochs,
      // the schedule starts from the optimizer's default (0.03, FixMatch) when no rate is given
      learningRate: (epoch) => learningRateAt({ ...options, learningRate: options.learningRate ?? 0.03 }, epoch),
      optimizers: [optimizer],
      steps,
      step: ({ rng, idxU }, { epoch, step }) => {
        const takeLabelled = Int32Array.from({ length: options.labelledBatch }, () => {
          if (labelledAt >= labelledOrder.length) {
            labelledOrder = rng.permutation(data.labelled.labels.length);
            labelledAt = 0;
          }
          return labelledOrder[labelledAt++];
        });
        const xl = toTensor(data.labelled, takeLabelled, 'weak', rng);
        const xw = toTensor(data.unlabelled, idxU, 'weak', rng);
        const xs = toTensor(data.unlabelled, idxU, 'strong', rng);
        const x = tf.concat([xl, xw, xs]) as tf.Tensor4D;
        const labels = tf.tensor1d(
          Array.from(takeLabelled, (i) => data.labelled.labels[i]),
          'int32',
        );
        const [nl, nu] = [options.labelledBatch, idxU.length];
        const parts: tf.Scalar[] = [];
        const cost = optimizer.minimize(
          () => {
            const outputs: SemiOutputs[] = models.map((m, i) => {
              const logits = m.apply(x, learning[i]).logits;
              const [labelled, weak, strong] = tf.split(logits, [nl, nu, nu]) as tf.Tensor2D[];
              return { labelled, weak, strong };
            });
            const { node, edge } = semiNodeLosses(spec, outputs, labels, step, totalSteps, tau);
            [...edge, ...node].forEach((l) => parts.push(tf.keep(stopGradient(l) as tf.Scalar)));
            const learned = node.filter((_, i) => learning[i]);
            // nothing to learn (every node frozen or EMA): the step only evaluates
            return (learned.length ? tf.addN(learned) : tf.scalar(0)) as tf.Scalar;
          },
          true,
          varList,
        )!;
        for (const [t, s] of ema) emaUpdate(models[t - 1], models[s - 1], alpha);
        const values = parts.map((p) => p.dataSync()[0]);
        const totalValue = cost.dataSync()[0];
        tf.dispose([cost, ...parts, xl, xw, xs, x, labels]);
        const diverged = stepDivergence(spec, values.slice(0, edgeCount), totalValue, maxEdgeLoss, epoch, step);
        if (diverged) throw new DivergedError(diverged);
        return values;
      },
      endEpoch: (means, info) => epochMetrics(models, data.test, means, edgeCount, info),
      onEpoch: options.onEpoch,
      // every node that changes (trained or EMA) is saved
      checkpoint: options.checkpoint && {
        every: options.checkpoint.every,
        save: (epochs) =>
          saveCheckpoints(
            spec,
            models,
            models.map((_, i) => !frozen.has(i + 1)),
            options.checkpoint!.dir,
            epochs,
          ),
      },
      signal: options.signal,
    });
    return trainResult(run, models, target);
  } catch (err) {
    disposeModels({ models });
    throw err;
  }
}
