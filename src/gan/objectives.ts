/**
 * GAN objectives (paper 002) on discriminator logits [n, 1] (or [n]):
 *   gan     D: softplus(−d_real) + softplus(d_fake)        G: softplus(−d_fake) (non-saturating)
 *   lsgan   D: ½(d_real − 1)² + ½ d_fake²                   G: ½(d_fake − 1)²
 *   wgan    D: d_fake − d_real (clip D's weights to ±c)     G: −d_fake
 *   wgan-gp D: wgan + λ (‖∇_x̂ D(x̂)‖₂ − 1)², x̂ on lines between real and fake (λ = 10)
 *   hinge   D: relu(1 − d_real) + relu(1 + d_fake)          G: −d_fake
 * Each returns the batch mean.
 */
import * as tf from '@tensorflow/tfjs-core';

export type GanObjective = 'gan' | 'lsgan' | 'wgan' | 'wgan-gp' | 'hinge';
export const ganObjectives: GanObjective[] = ['gan', 'lsgan', 'wgan', 'wgan-gp', 'hinge'];

export function discriminatorLoss(kind: GanObjective, real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'gan':
        return tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake))) as tf.Scalar;
      case 'lsgan':
        return tf.add(tf.mul(0.5, tf.mean(tf.square(tf.sub(real, 1)))), tf.mul(0.5, tf.mean(tf.square(fake)))) as tf.Scalar;
      case 'wgan':
      case 'wgan-gp':
        return tf.sub(tf.mean(fake), tf.mean(real)) as tf.Scalar;
      case 'hinge':
        return tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))) as tf.Scalar;
    }
  });
}

export function generatorLoss(kind: GanObjective, fake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'gan':
        return tf.mean(tf.softplus(tf.neg(fake))) as tf.Scalar;
      case 'lsgan':
        return tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1)))) as tf.Scalar;
      default:
        return tf.neg(tf.mean(fake)) as tf.Scalar;
    }
  });
}

/** WGAN-GP penalty λ·E[(‖∇_x̂ D(x̂)‖₂ − 1)²] on random interpolates of real and fake images */
export function gradientPenalty(critic: (x: tf.Tensor4D) => tf.Tensor, real: tf.Tensor4D, fake: tf.Tensor4D, lambda = 10, seed?: number): tf.Scalar {
  return tf.tidy(() => {
    const eps = tf.randomUniform([real.shape[0], 1, 1, 1], 0, 1, 'float32', seed);
    const mixed = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor4D;
    const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(mixed);
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
    return tf.mul(lambda, tf.mean(tf.square(tf.sub(norms, 1)))) as tf.Scalar;
  });
}

/** WGAN weight clipping: every variable into [−c, c] */
export function clipWeights(vars: tf.Variable[], c = 0.01): void {
  tf.tidy(() => vars.forEach((v) => v.assign(tf.clipByValue(v, -c, c))));
}
