/**
 * Per-channel reductions over every leading axis of a channels-last tensor, computed as a
 * matrix product with a column of ones: on the wasm backend this runs on XNNPACK's GEMM, several
 * times faster than tfjs's generic Sum/Mean over leading axes (which transpose first).
 */
import * as tf from '@tensorflow/tfjs-core';

/** rows = product of all axes but the last; returns x viewed as [rows, channels] */
export function asRows(x: tf.Tensor): tf.Tensor2D {
  const c = x.shape[x.rank - 1];
  return tf.reshape(x, [x.size / c, c]);
}

const onesColumns = new Map<string, tf.Tensor2D>();

/** a cached [rows, 1] column of ones: XNNPACK packs a GEMM's right operand once per tensor */
function onesColumn(rows: number): tf.Tensor2D {
  const key = `${tf.getBackend()}:${rows}`;
  const cached = onesColumns.get(key);
  if (cached != null && !cached.isDisposed) return cached;
  const ones: tf.Tensor2D = tf.keep(tf.ones([rows, 1]));
  onesColumns.set(key, ones);
  return ones;
}

/** Σ over all leading axes → [channels], as rowsᵀ · 1 */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const rows = asRows(x);
    return tf.reshape(tf.matMul(rows, onesColumn(rows.shape[0]), true, false), [rows.shape[1]]);
  });
}
