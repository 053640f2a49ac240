/**
 * One edge's gated mean loss for a batch: per-sample loss of the target's output against the
 * source's stop-gradient output, passed through the gate, averaged over the batch (Eq 3.2–3.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyGate } from '../gates';
import { attentionTransfer, crossEntropy, distillation, klDivergence, pearsonDistance } from '../losses';
import { ForwardOutput } from '../models/model';
import { EdgeSpec } from './spec';

export interface EdgeInputs {
  /** source output (already stop-gradient), or undefined for the label node */
  source?: ForwardOutput;
  target: ForwardOutput;
  labels: tf.Tensor1D;
  numClasses: number;
  step: number;
  totalSteps: number;
}

export function perSampleEdgeLoss(edge: EdgeSpec, io: EdgeInputs): tf.Tensor1D {
  const { source, target, labels } = io;
  if (!source) return crossEntropy(labels, target.logits);
  switch (edge.loss) {
    case 'ce':
      return crossEntropy(tf.argMax(source.logits, 1) as tf.Tensor1D, target.logits);
    case 'kl':
      return klDivergence(tf.softmax(source.logits) as tf.Tensor2D, target.logits);
    case 'kd':
      return distillation(source.logits, target.logits, edge.temperature ?? 4);
    case 'dist':
      return pearsonDistance(tf.softmax(source.logits) as tf.Tensor2D, tf.softmax(target.logits) as tf.Tensor2D);
    case 'at': {
      const s = source.features[source.features.length - 1];
      const t = target.features[target.features.length - 1];
      if (s.shape[1] !== t.shape[1] || s.shape[2] !== t.shape[2]) throw new Error(`attention transfer needs equal map sizes, got ${s.shape.slice(1, 3)} and ${t.shape.slice(1, 3)}`);
      return attentionTransfer(s, t);
    }
  }
}

export function gatedEdgeLoss(edge: EdgeSpec, io: EdgeInputs): tf.Scalar {
  return tf.tidy(() => {
    const perSample = perSampleEdgeLoss(edge, io);
    const sourceProbs = io.source ? (tf.softmax(io.source.logits) as tf.Tensor2D) : (tf.oneHot(tf.cast(io.labels, 'int32'), io.numClasses) as tf.Tensor2D);
    return tf.mean(applyGate(edge.gate, perSample, { step: io.step, totalSteps: io.totalSteps, sourceProbs, labels: io.labels })) as tf.Scalar;
  });
}
