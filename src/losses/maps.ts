/**
 * Attention-map losses of thesis Ch.4 on per-sample maps [n, h, w] (from Σ_c F² of a stage, or an
 * ABN's own map): pull = MSE of L2-normalised maps (Eq 4.8), push = cosine similarity (Eq 4.9, a
 * minimisation problem: −MSE would collapse), and both on windows of several sizes cropped around
 * the source map's argmax, averaged.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardOutput } from '../models/model';

const EPS = 1e-7;

/** [n, h, w] spatial attention Σ_c F² (not normalised) */
export function spatialAttention(features: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => tf.sum(tf.square(features), 3) as tf.Tensor3D);
}

/** a node's attention map [n, h, w]: its own (ABN) or Σ_c F² of its last stage */
export function attentionMapOf(o: ForwardOutput): tf.Tensor3D {
  return o.attention ? (tf.squeeze(o.attention, [3]) as tf.Tensor3D) : spatialAttention(o.features[o.features.length - 1]);
}

/** [n, h, w] 0/1 masks: a k×k window centred on each sample's argmax of `map`, shifted to lie inside it */
export function argmaxWindowMask(map: tf.Tensor3D, k: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w] = map.shape;
    const kh = Math.min(k, h);
    const kw = Math.min(k, w);
    const flat = tf.argMax(tf.reshape(map, [n, h * w]), 1);
    const row = tf.floorDiv(flat, tf.scalar(w, 'int32'));
    const col = tf.sub(flat, tf.mul(row, tf.scalar(w, 'int32')));
    const window = (centre: tf.Tensor1D, size: number, extent: number) => {
      const start = tf.clipByValue(tf.sub(centre, Math.floor(size / 2)), 0, extent - size);
      const idx = tf.range(0, extent, 1, 'int32').reshape([1, extent]);
      const s = tf.reshape(start, [n, 1]);
      return tf.cast(tf.logicalAnd(tf.greaterEqual(idx, s), tf.less(idx, tf.add(s, size))), 'float32');
    };
    const rows = window(row as tf.Tensor1D, kh, h);
    const cols = window(col as tf.Tensor1D, kw, w);
    return tf.mul(tf.reshape(rows, [n, h, 1]), tf.reshape(cols, [n, 1, w])) as tf.Tensor3D;
  });
}

function flatten(map: tf.Tensor3D): tf.Tensor2D {
  const [n, h, w] = map.shape;
  return tf.reshape(map, [n, h * w]);
}

function l2normalise(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.add(tf.norm(x, 2, 1, true), EPS));
}

/** per-sample mean squared difference of the L2-normalised maps (over the mask's cells when given) — Eq 4.8 */
export function normalizedMapMse(source: tf.Tensor3D, target: tf.Tensor3D, mask?: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const m = mask ? flatten(mask) : undefined;
    const s = l2normalise(m ? tf.mul(flatten(source), m) : flatten(source));
    const t = l2normalise(m ? tf.mul(flatten(target), m) : flatten(target));
    const cells = m ? tf.sum(m, 1) : tf.scalar(source.shape[1] * source.shape[2]);
    return tf.div(tf.sum(tf.square(tf.sub(s, t)), 1), cells) as tf.Tensor1D;
  });
}

/** per-sample cosine similarity of the maps (over the mask's cells when given) — Eq 4.9, minimised by push edges */
export function mapCosineSimilarity(source: tf.Tensor3D, target: tf.Tensor3D, mask?: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const m = mask ? flatten(mask) : undefined;
    const s = m ? tf.mul(flatten(source), m) : flatten(source);
    const t = m ? tf.mul(flatten(target), m) : flatten(target);
    return tf.div(tf.sum(tf.mul(s, t), 1), tf.add(tf.mul(tf.norm(s, 2, 1), tf.norm(t, 2, 1)), EPS)) as tf.Tensor1D;
  });
}

/**
 * Map loss averaged over windows of the given sizes around the source map's argmax (thesis §4.3:
 * ResNet 3×3, 5×5, 7×7; ABN 3×3, 7×7, 11×11). A size ≥ the map's side uses the whole map.
 */
export function croppedMapLoss(source: tf.Tensor3D, target: tf.Tensor3D, sizes: number[], kind: 'pull' | 'push'): tf.Tensor1D {
  if (!sizes.length) throw new Error('croppedMapLoss needs at least one window size');
  return tf.tidy(() => {
    const losses = sizes.map((k) => {
      const mask = argmaxWindowMask(source, k);
      return kind === 'pull' ? normalizedMapMse(source, target, mask) : mapCosineSimilarity(source, target, mask);
    });
    return tf.div(tf.addN(losses), sizes.length) as tf.Tensor1D;
  });
}
