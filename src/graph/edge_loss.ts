/**
 * One edge's gated mean loss for a batch: per-sample loss of the target's output against the
 * source's stop-gradient output, passed through the gate, averaged over the batch (Eq 3.2–3.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyGate } from '../gates';
import { attentionTransfer, cosineSimilarity, croppedMapLoss, crossEntropy, distillation, fspLoss, hintLoss, klDivergence, mapCosineSimilarity, normalizedMapMse, pearsonDistance, attentionMapOf } from '../losses';
import { ParamStore } from '../models/layers';
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
  /** the edge's own parameters (FitNets regressor), trained with the target */
  params?: ParamStore;
}

function sameSize(s: tf.Tensor3D, t: tf.Tensor3D): void {
  if (s.shape[1] !== t.shape[1] || s.shape[2] !== t.shape[2]) throw new Error(`attention maps of different sizes: ${s.shape.slice(1).join('×')} and ${t.shape.slice(1).join('×')}`);
}

/** attention-map pull (Eq 4.8) or push (Eq 4.9), over the edge's crops when it has any */
function mapLoss(edge: EdgeSpec, source: ForwardOutput, target: ForwardOutput, kind: 'pull' | 'push'): tf.Tensor1D {
  const s = attentionMapOf(source);
  const t = attentionMapOf(target);
  sameSize(s, t);
  if (edge.crops) return croppedMapLoss(s, t, edge.crops, kind);
  return kind === 'pull' ? normalizedMapMse(s, t) : mapCosineSimilarity(s, t);
}

export function perSampleEdgeLoss(edge: EdgeSpec, io: EdgeInputs): tf.Tensor1D {
  const { source, target, labels } = io;
  // the label edge also trains an auxiliary branch (ABN: L_att + L_per)
  if (!source) return target.auxLogits ? (tf.add(crossEntropy(labels, target.logits), crossEntropy(labels, target.auxLogits)) as tf.Tensor1D) : crossEntropy(labels, target.logits);
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
    case 'fsp':
      return fspLoss(source.features, target.features);
    case 'hint': {
      if (!io.params) throw new Error('a hint edge needs its regressor parameters');
      const middle = (o: ForwardOutput) => o.features[Math.floor((o.features.length - 1) / 2)];
      return hintLoss(middle(source), middle(target), io.params);
    }
    case 'map-pull':
      return mapLoss(edge, source, target, 'pull');
    case 'map-push':
      return mapLoss(edge, source, target, 'push');
    case 'prob-push':
      return cosineSimilarity(tf.softmax(source.logits) as tf.Tensor2D, tf.softmax(target.logits) as tf.Tensor2D);
    // maximising a divergence has no bound: kept to show the collapse (Tables 4.4–4.5)
    case 'neg-kl':
      return tf.neg(klDivergence(tf.softmax(source.logits) as tf.Tensor2D, target.logits)) as tf.Tensor1D;
    case 'neg-map-pull':
      return tf.neg(mapLoss(edge, source, target, 'pull')) as tf.Tensor1D;
    case 'consistency':
    case 'pseudo':
    case 'pseudo-threshold':
    case 'ema':
      throw new Error(`loss "${edge.loss}" works on unlabelled data: train the graph with trainSemiGraph`);
    // L'_{s,t} = L_p + L_map (Eq 4.11)
    case 'both-pull':
      return tf.add(klDivergence(tf.softmax(source.logits) as tf.Tensor2D, target.logits), mapLoss(edge, source, target, 'pull')) as tf.Tensor1D;
    case 'both-push':
      return tf.add(cosineSimilarity(tf.softmax(source.logits) as tf.Tensor2D, tf.softmax(target.logits) as tf.Tensor2D), mapLoss(edge, source, target, 'push')) as tf.Tensor1D;
  }
}

export function gatedEdgeLoss(edge: EdgeSpec, io: EdgeInputs): tf.Scalar {
  return tf.tidy(() => {
    const perSample = perSampleEdgeLoss(edge, io);
    const sourceProbs = io.source ? (tf.softmax(io.source.logits) as tf.Tensor2D) : (tf.oneHot(tf.cast(io.labels, 'int32'), io.numClasses) as tf.Tensor2D);
    return tf.mean(applyGate(edge.gate, perSample, { step: io.step, totalSteps: io.totalSteps, sourceProbs, labels: io.labels })) as tf.Scalar;
  });
}
