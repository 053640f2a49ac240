/**
 * Training-mode batch normalisation (optionally with the ReLU that follows it) as one fused
 * differentiable op. Forward: batch mean and (biased) variance per channel,
 * x̂ = (x − μ)·rsqrt(σ² + ε), y = γ·x̂ + β (then max(y, 0) with `relu`). Backward in closed form,
 * with dy masked by y > 0 when fused with a ReLU:
 *   ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ·rsqrt(σ²+ε)/M · (M·dy − ∂β − x̂·∂γ)
 * with M the number of values per channel. On the native backend forward and backward are single
 * oneDNN kernels; elsewhere they are composed of tf ops (about 10 kernels per layer in backprop,
 * channel sums as GEMMs). A gradient that is itself differentiated (e.g. WGAN-GP's penalty) always
 * takes the composed form, which tfjs can differentiate again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BatchNormTrainAttrs } from '../backend/native/kernels';
import { channelSum } from '../tensor/channel_ops';
import { gradientIsDifferentiated } from '../tensor/gradient_depth';

export interface BatchStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export interface TrainingBatchNormOptions {
  /** apply max(·, 0) to the output, fused into the op */
  relu?: boolean;
  /** receives the batch statistics inside the forward pass (e.g. to update running averages) */
  onStats?: (stats: BatchStats) => void;
}

/** dx, dγ, dβ from x̂ (composed of tf ops, differentiable) */
function composedGradient(dy: tf.Tensor, xhat: tf.Tensor, rstd: tf.Tensor, gamma: tf.Tensor, m: number): tf.Tensor[] {
  const dBeta = channelSum(dy);
  const dGamma = channelSum(tf.mul(dy, xhat));
  const scale = tf.div(tf.mul(gamma, rstd), m);
  const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy, m), dBeta), tf.mul(xhat, dGamma)), scale);
  return [dx, dGamma, dBeta];
}

function composedBatchNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, options: TrainingBatchNormOptions): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const m = xIn.size / xIn.shape[xIn.rank - 1];
    const mean = tf.div(channelSum(xIn), m) as tf.Tensor1D;
    const centered = tf.sub(xIn, mean);
    const variance = tf.div(channelSum(tf.square(centered)), m) as tf.Tensor1D;
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centered, rstd);
    options.onStats?.({ mean, variance });
    const normalised = tf.add(tf.mul(xhat, g), b);
    const value = options.relu ? tf.relu(normalised) : normalised;
    save([xhat, rstd, g, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sRstd, sGamma, sValue] = saved;
        const masked = options.relu ? tf.mul(dy, tf.step(sValue)) : dy;
        return composedGradient(masked, sXhat, sRstd, sGamma, m);
      },
    };
  });
  return op(x, gamma, beta) as T;
}

function nativeBatchNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, options: TrainingBatchNormOptions): T {
  const attrs: BatchNormTrainAttrs = { epsilon, relu: options.relu ?? false };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [value, mean, variance, workspace] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAIN, { x: xIn, gamma: g, beta: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    options.onStats?.({ mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D });
    save([xIn, mean, variance, g, b, workspace, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sMean, sVariance, sGamma, sBeta, sWorkspace, sValue] = saved;
        if (!gradientIsDifferentiated()) {
          return tf
            .engine()
            .runKernel(
              BATCH_NORM_TRAIN_GRAD,
              { x: sx, dy, mean: sMean, variance: sVariance, gamma: sGamma, beta: sBeta, workspace: sWorkspace },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
        }
        const m = sx.size / sx.shape[sx.rank - 1];
        const rstd = tf.rsqrt(tf.add(sVariance, epsilon));
        const masked = attrs.relu ? tf.mul(dy, tf.step(sValue)) : dy;
        return composedGradient(masked, tf.mul(tf.sub(sx, sMean), rstd), rstd, sGamma, m);
      },
    };
  });
  return op(x, gamma, beta) as T;
}

/** Batch-statistics normalisation (+ ReLU) with its closed-form gradient; native when the backend has it. */
export function trainingBatchNorm<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  options: TrainingBatchNormOptions = {},
): T {
  const native = (x.rank === 4 || x.rank === 2) && x.dtype === 'float32' && tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) != null;
  return native ? nativeBatchNorm(x, gamma, beta, epsilon, options) : composedBatchNorm(x, gamma, beta, epsilon, options);
}
