/**
 * One edge's gated mean loss for a batch: per-sample loss of the target's output against the
 * source's stop-gradient output (the loss's record in src/losses/registry.ts), passed through the
 * gate, averaged over the batch (Eq 3.2–3.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyGate } from '../gates';
import { crossEntropy, lossDefinition } from '../losses';
import { ParamStore } from '../models/layers';
import { ForwardOutput } from '../models/model';
import { stopGradient } from '../tensor/stop_gradient';
import { EdgeSpec } from './spec';

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

export function perSampleEdgeLoss(edge: EdgeSpec, io: EdgeInputs): tf.Tensor1D {
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

export function gatedEdgeLoss(edge: EdgeSpec, io: EdgeInputs): tf.Scalar {
  return tf.tidy(() => {
    const perSample = perSampleEdgeLoss(edge, io);
    const sourceProbs = io.source ? (tf.softmax(io.source.logits) as tf.Tensor2D) : (tf.oneHot(tf.cast(io.labels, 'int32'), io.numClasses) as tf.Tensor2D);
    return tf.mean(applyGate(edge.gate, perSample, { step: io.step, totalSteps: io.totalSteps, sourceProbs, labels: io.labels })) as tf.Scalar;
  });
}
