/**
 * Gradient of FusedBatchNorm that broadcasts the per-channel factors instead of tiling them to the
 * full activation shape (tfjs-core's version materialises a tile of x's size for every call).
 * Same maths: with r = 1/sqrt(var + eps),
 *   dx = dy·scale·r,  dmean = −Σ dy·scale·r,  dvar = Σ dy·scale·(x−mean)·(−r³/2),
 *   dscale = Σ dy·(x−mean)·r,  doffset = Σ dy     (Σ over the axes mean was broadcast along).
 */
import * as tf from '@tensorflow/tfjs-core';
import { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

function reductionAxes(paramShape: number[], xShape: number[]): number[] {
  return tf.backend_util.getReductionAxes(paramShape, xShape);
}

export const batchNormGradConfig: GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const g = dy as Tensor;
    const eps = attrs.varianceEpsilon as number;
    const [x, mean, variance, scale] = saved;
    const axes = reductionAxes(mean.shape, x.shape);
    const reduce = (t: Tensor, shape: number[]): Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
    const scaled = scale == null ? g : tf.mul(g, scale);
    const centred = tf.sub(x, mean);
    return {
      x: () => tf.mul(scaled, r),
      mean: () => reduce(tf.neg(tf.mul(scaled, r)), mean.shape),
      variance: () => reduce(tf.mul(tf.mul(scaled, centred), tf.mul(tf.pow(r, 3), -0.5)), mean.shape),
      scale: () => reduce(tf.mul(tf.mul(g, centred), r), (scale ?? mean).shape),
      offset: () => reduce(g, mean.shape),
    };
  },
};
