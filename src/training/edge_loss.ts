/**
 * One edge's gated mean loss for a batch: per-sample loss of the target's output against the
 * source's stop-gradient output (the loss's record in src/losses/registry.ts), passed through the
 * gate, averaged over the batch (Eq 3.2–3.3); and the divergence check every classifier trainer
 * runs on a step's edge losses.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyGate, GateSpec } from '../gates';
import { crossEntropy, LossName, lossDefinition } from '../losses';
import { ParamStore } from '../models/layers';
import { ForwardOutput } from '../models/model';
import { stopGradient } from '../tensor/stop_gradient';

/** what the kit reads of an edge (a graph spec's edges have this shape) */
export interface EdgeLike {
  source: number;
  target: number;
  loss: LossName;
  gate: GateSpec;
  temperature?: number;
  crops?: number[];
}

export interface EdgeInputs {
  /** source output (already stop-gradient), or undefined for the label node */
  source?: ForwardOutput;
  target: ForwardOutput;
  labels: tf.Tensor1D;
  numClasses: number;
  step: number;
  totalSteps: number;
  /** the edge's own parameters (FitNets regressor), trained with the target */
  params?: ParamStore;
}

/** A node's output with every part (logits, stage features, its own attention map, auxiliary logits) stop-gradient. */
export function detachOutput(o: ForwardOutput): ForwardOutput {
  return {
    logits: stopGradient(o.logits),
    features: o.features.map((f) => stopGradient(f)),
    ...(o.attention ? { attention: stopGradient(o.attention) } : {}),
    ...(o.auxLogits ? { auxLogits: stopGradient(o.auxLogits) } : {}),
  };
}

export function perSampleEdgeLoss(edge: EdgeLike, io: EdgeInputs): tf.Tensor1D {
  const { source, target, labels } = io;
  // the label edge also trains an auxiliary branch (ABN: L_att + L_per)
  if (!source)
    return target.auxLogits
      ? (tf.add(crossEntropy(labels, target.logits), crossEntropy(labels, target.auxLogits)) as tf.Tensor1D)
      : crossEntropy(labels, target.logits);
  const def = lossDefinition(edge.loss);
  if (!def.labelled) throw new Error(`loss "${edge.loss}" works on unlabelled data: train the graph with trainSemiGraph`);
  return def.labelled(edge, { source, target, params: io.params });
}

export function gatedEdgeLoss(edge: EdgeLike, io: EdgeInputs): tf.Scalar {
  return tf.tidy(() => {
    const perSample = perSampleEdgeLoss(edge, io);
    const sourceProbs = io.source ? (tf.softmax(io.source.logits) as tf.Tensor2D) : (tf.oneHot(tf.cast(io.labels, 'int32'), io.numClasses) as tf.Tensor2D);
    return tf.mean(applyGate(edge.gate, perSample, { step: io.step, totalSteps: io.totalSteps, sourceProbs, labels: io.labels })) as tf.Scalar;
  });
}

/**
 * An edge whose mean loss over a batch exceeds this has exploded (seen: FSP between an ABN ResNet
 * and a small CNN at 3e21, a FitNets hint at 2e9, with the target stuck at chance): the run ends as
 * `diverged`, naming the edge. Probability losses stay far below it (KL/CE ≲ 100).
 */
export const MAX_EDGE_LOSS = 1e6;

/** "edge 2 (2→1, fsp)" */
export function edgeName(edges: EdgeLike[], i: number): string {
  const e = edges[i];
  return `edge ${i} (${e.source}→${e.target}, ${e.loss})`;
}

/**
 * Why a training step diverged, or undefined: the first edge whose mean batch loss is non-finite or
 * above `maxEdgeLoss` (named), else a non-finite total. Shared by every classifier trainer.
 */
export function stepDivergence(
  spec: { edges: EdgeLike[] },
  edgeValues: number[],
  total: number,
  maxEdgeLoss: number,
  epoch: number,
  step: number,
): string | undefined {
  const at = `at epoch ${epoch + 1}, step ${step + 1}`;
  const i = edgeValues.findIndex((v) => !Number.isFinite(v) || v > maxEdgeLoss);
  if (i >= 0) return `${edgeName(spec.edges, i)}: loss ${edgeValues[i]} ${Number.isFinite(edgeValues[i]) ? `exceeds ${maxEdgeLoss}` : 'is not finite'} ${at}`;
  return Number.isFinite(total) ? undefined : `loss became ${total} ${at}`;
}
