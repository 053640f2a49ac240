/**
 * Attention transfer (Zagoruyko & Komodakis; thesis Eq 2.11–2.12): the attention map of a feature
 * map F [n, h, w, c] is Q = Σ_c F² (flattened and L2-normalised per sample); the per-sample loss is
 * ‖Q_s/‖Q_s‖ − Q_t/‖Q_t‖‖₂ (p = 2).
 */
import * as tf from '@tensorflow/tfjs-core';

const EPS = 1e-7;

/** [n, h·w] L2-normalised attention map Σ_c F² */
export function attentionMap(features: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w] = features.shape;
    const q = tf.reshape(tf.sum(tf.square(features), 3), [n, h * w]);
    return tf.div(q, tf.add(tf.norm(q, 2, 1, true), EPS)) as tf.Tensor2D;
  });
}

export function attentionTransfer(source: tf.Tensor4D, target: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => tf.norm(tf.sub(attentionMap(source), attentionMap(target)), 2, 1) as tf.Tensor1D);
}
