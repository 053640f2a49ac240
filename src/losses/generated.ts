/**
 * Losses on generated images (GAN co-training, papers 003 / 000). A generator node's output is its
 * images and the feature maps after each up-sampling stage. A transfer edge s → t compares, per
 * sample and L2-normalised per sample, the generated images (Eq 5) or the attention maps
 * Q = (1/C)Σ_c F² of the two layers nearest the input or the output (Eq 3–4); the source side is
 * stop-gradient, so an edge trains only its target.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from '../tensor/stop_gradient';
import { crossEntropy } from './probability';

/** what a generator returns (gan/dcgan's GeneratorOutput has this shape) */
export interface GeneratedOutput {
  images: tf.Tensor4D;
  /** feature maps after each up-sampling stage, input side first */
  features: tf.Tensor4D[];
}

/** what a transfer edge between generators compares */
export type TransferSide = 'images' | 'input-side' | 'output-side';

/**
 * What a transfer edge compares, per sample and L2-normalised per sample: the generated image
 * (Eq 5, one part) or the attention maps of two layers near the input or the output (Eq 3, one part
 * per layer).
 */
export function transferRepresentation(out: GeneratedOutput, side: TransferSide): tf.Tensor2D[] {
  return tf.tidy(() => {
    const flat = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    let parts: tf.Tensor2D[];
    if (side === 'images') parts = [flat(out.images)];
    else {
      const maps = out.features.slice(1).length >= 2 ? out.features.slice(1) : out.features;
      // two layers per side when there are at least three maps (64×64); with two maps (28×28 and
      // 32×32 generators) one each, so that input-side and output-side never compare the same layers
      const k = maps.length >= 3 ? 2 : 1;
      const chosen = side === 'input-side' ? maps.slice(0, k) : maps.slice(-k);
      parts = chosen.map((f) => flat(tf.expandDims(tf.mean(tf.square(f), 3), 3) as tf.Tensor4D));
    }
    return parts.map((p) => tf.div(p, tf.add(tf.norm(p, 2, 1, true), 1e-8)) as tf.Tensor2D);
  });
}

/**
 * Per-sample transfer loss with the source stop-gradient: α/M Σ_m mean_n (n(A_s) − n(A_t))² — the
 * squared difference of the per-sample L2-normalised representations averaged over the positions
 * (pixels) of each of the M parts (Eq 4–5; the caller averages over the batch). Averaging over
 * positions is how attention-transfer code computes it (Zagoruyko & Komodakis, whose β = 1000 is
 * the papers' α); summing over positions instead makes α = 1000 pull the generators onto one
 * z-independent image within a few dozen steps (measured at 28×28), which the papers do not report.
 */
export function transferLoss(source: GeneratedOutput, target: GeneratedOutput, side: TransferSide, alpha: number): tf.Tensor1D {
  return tf.tidy(() => {
    const s = transferRepresentation(source, side).map((p) => stopGradient(p));
    const t = transferRepresentation(target, side);
    const perPart = t.map((tp, m) => tf.mean(tf.square(tf.sub(s[m], tp)), 1));
    return tf.mul(alpha / perPart.length, tf.addN(perPart)) as tf.Tensor1D;
  });
}

/** A generator's per-sample adversarial loss against a (k+1)-way discriminator: CE(D(G(z)), real) (Eq 2). */
export function adversarialLoss(logits: tf.Tensor2D, realClass: number): tf.Tensor1D {
  return tf.tidy(() => crossEntropy(tf.fill([logits.shape[0]], realClass, 'int32') as tf.Tensor1D, logits));
}
