/**
 * Spectral normalisation (Miyato et al. 2018): a weight W is divided by an estimate of its largest
 * singular value σ(W) = uᵀ W v, with u and v from power iteration on W reshaped to [out, rest]
 * (a conv kernel [kh, kw, in, out] → [out, kh·kw·in]). u persists as a non-trainable state
 * variable and is updated only in training mode; u and v carry no gradient, σ does (through W).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../models/layers';
import { stopGradient } from '../tensor/stop_gradient';

function asMatrix(w: tf.Tensor): tf.Tensor2D {
  const out = w.shape[w.shape.length - 1];
  return tf.transpose(tf.reshape(w, [-1, out])) as tf.Tensor2D;
}

/** `iterations` power-iteration steps from u: the new u [out] and v [rest] (no gradient) */
export function powerIteration(w: tf.Tensor, u: tf.Tensor1D, iterations = 1): { u: tf.Tensor1D; v: tf.Tensor1D } {
  return tf.tidy(() => {
    const m = asMatrix(stopGradient(w));
    let uu: tf.Tensor1D = u;
    let v: tf.Tensor1D = tf.zeros([m.shape[1]]);
    for (let i = 0; i < Math.max(1, iterations); i++) {
      v = tf.squeeze(tf.matMul(tf.reshape(uu, [1, -1]), m), [0]) as tf.Tensor1D;
      v = tf.div(v, tf.add(tf.norm(v), 1e-12));
      uu = tf.squeeze(tf.matMul(m, tf.reshape(v, [-1, 1])), [1]) as tf.Tensor1D;
      uu = tf.div(uu, tf.add(tf.norm(uu), 1e-12));
    }
    return { u: uu, v };
  });
}

/** σ(W) = uᵀ W v */
export function spectralNorm(w: tf.Tensor, u: tf.Tensor1D, v: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(u, tf.squeeze(tf.matMul(asMatrix(w), tf.reshape(v, [-1, 1])), [1]))) as tf.Scalar);
}

/** W / σ(W), one power-iteration step per call, u kept in `p`'s state as `<name>/sn_u` */
export function spectralNormalize(p: ParamStore, name: string, w: tf.Tensor, training: boolean, iterations = 1): tf.Tensor {
  const out = w.shape[w.shape.length - 1];
  const u = p.state.get(`${name}/sn_u`) ?? p.normalState(`${name}/sn_u`, [out]);
  const next = powerIteration(w, u as tf.Tensor as tf.Tensor1D, iterations);
  if (training) u.assign(next.u);
  // next.u / next.v stay alive for the backward pass; the caller's tidy/minimize frees them
  return tf.div(w, spectralNorm(w, next.u, next.v));
}
