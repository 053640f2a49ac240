/**
 * DCGAN generator and discriminator (Radford et al. 2016) for 28×28 grey, 32×32 and 64×64 RGB:
 * the generator projects z to a 4×4 (7×7 for 28×28) map and doubles the resolution with 4×4
 * stride-2 transposed convolutions (BN + ReLU, tanh output); the discriminator halves it with 4×4
 * stride-2 convolutions (LeakyReLU 0.2, BN after the first) and ends in a linear layer with
 * `outputs` logits (1 for a plain GAN, k+1 for co-training with k generators).
 * With `classes` both are conditional (CGAN, paper 001): the generator reads z ⊕ one-hot(label),
 * the discriminator adds a learned per-class bias to its first feature map — the same as appending
 * one constant one-hot plane per class to the image (away from the zero-padded border), without
 * materialising those planes (tiling them cost more than the convolutions on CPU).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, dense, ParamStore } from '../models/layers';
import { spectralNormalize } from './spectral_norm';

export type ImageSize = 28 | 32 | 64;

export interface DcganOptions {
  imageSize: ImageSize;
  channels: number;
  zDim?: number;
  /** width of the last generator / first discriminator feature map */
  baseWidth?: number;
  seed?: number;
  /** discriminator normalisation: batch norm (DCGAN) or spectral norm on every weight (SN-GAN) */
  norm?: 'batch' | 'spectral';
  /** conditional GAN over this many classes */
  classes?: number;
}

function conditioned(classes: number | undefined, labels: tf.Tensor1D | undefined, what: string): tf.Tensor2D | undefined {
  if (!classes) return undefined;
  if (!labels) throw new Error(`a conditional ${what} needs labels`);
  return tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes).toFloat() as tf.Tensor2D;
}

function plan(imageSize: ImageSize): { start: number; ups: number } {
  if (imageSize === 28) return { start: 7, ups: 2 };
  return { start: 4, ups: Math.log2(imageSize / 4) };
}

export interface GeneratorOutput {
  images: tf.Tensor4D;
  /** feature maps after each up-sampling stage, input side first */
  features: tf.Tensor4D[];
}

export class DcganGenerator {
  readonly params: ParamStore;
  readonly zDim: number;
  readonly baseWidth: number;

  constructor(readonly options: DcganOptions) {
    this.zDim = options.zDim ?? 100;
    this.baseWidth = options.baseWidth ?? 64;
    this.params = new ParamStore(options.seed ?? 0, 'generator/');
  }

  apply(z: tf.Tensor2D, training: boolean, labels?: tf.Tensor1D): GeneratorOutput {
    const p = this.params;
    const oneHot = conditioned(this.options.classes, labels, 'generator');
    if (oneHot) z = tf.concat([z, oneHot], 1);
    const { start, ups } = plan(this.options.imageSize);
    let width = this.baseWidth * 2 ** (ups - 1);
    let h = tf.reshape(dense(p, 'project', z, start * start * width, false), [-1, start, start, width]) as tf.Tensor4D;
    h = batchNormRelu(p, 'project/bn', h, training);
    const features: tf.Tensor4D[] = [h];
    for (let i = 0; i < ups; i++) {
      const last = i === ups - 1;
      const outC = last ? this.options.channels : width / 2;
      const [n, hh, ww, inC] = h.shape;
      const w = p.normal(`up${i + 1}/kernel`, [4, 4, outC, inC], 0.02);
      h = tf.conv2dTranspose(h, w as tf.Tensor4D, [n, hh * 2, ww * 2, outC], 2, 'same');
      if (last) h = tf.tanh(h);
      else {
        h = batchNormRelu(p, `up${i + 1}/bn`, h, training);
        features.push(h);
        width /= 2;
      }
    }
    return { images: h, features };
  }

  sample(n: number, seed?: number): tf.Tensor2D {
    return tf.randomNormal([n, this.zDim], 0, 1, 'float32', seed);
  }
}

/**
 * LeakyReLU(0.2) written as 0.6·x + 0.4·|x|: the same function, but twice differentiable in tfjs
 * (tf.leakyRelu's gradient uses Greater, which has no gradient), as WGAN-GP's penalty needs.
 */
export function leakyRelu02(x: tf.Tensor4D): tf.Tensor4D {
  return tf.add(tf.mul(x, 0.6), tf.mul(tf.abs(x), 0.4)) as tf.Tensor4D;
}

export interface DiscriminatorOutput {
  logits: tf.Tensor2D;
  features: tf.Tensor4D[];
}

export class DcganDiscriminator {
  readonly params: ParamStore;
  readonly baseWidth: number;

  constructor(readonly options: DcganOptions & { outputs?: number }) {
    this.baseWidth = options.baseWidth ?? 64;
    this.params = new ParamStore((options.seed ?? 0) + 1, 'discriminator/');
  }

  apply(x: tf.Tensor4D, training: boolean, labels?: tf.Tensor1D): DiscriminatorOutput {
    const p = this.params;
    const { ups } = plan(this.options.imageSize);
    const oneHot = conditioned(this.options.classes, labels, 'discriminator');
    let h = x;
    const features: tf.Tensor4D[] = [];
    const spectral = this.options.norm === 'spectral';
    for (let i = 0; i < ups; i++) {
      const outC = this.baseWidth * 2 ** i;
      let w: tf.Tensor = p.normal(`down${i + 1}/kernel`, [4, 4, h.shape[3], outC], 0.02);
      if (spectral) w = spectralNormalize(p, `down${i + 1}/kernel`, w, training);
      h = tf.conv2d(h, w as tf.Tensor4D, 2, 'same');
      if (i === 0 && oneHot) h = tf.add(h, tf.reshape(tf.matMul(oneHot, p.normal('label/embedding', [oneHot.shape[1], outC], 0.02)), [-1, 1, 1, outC]));
      if (i > 0 && !spectral) h = batchNorm(p, `down${i + 1}/bn`, h, training);
      h = leakyRelu02(h);
      features.push(h);
    }
    const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
    if (!spectral) return { logits: dense(p, 'out', flat, this.options.outputs ?? 1), features };
    const outputs = this.options.outputs ?? 1;
    const w = spectralNormalize(p, 'out/kernel', p.normal('out/kernel', [flat.shape[1], outputs], 0.02), training);
    return { logits: tf.add(tf.matMul(flat, w as tf.Tensor2D), p.constant('out/bias', [outputs], 0)) as tf.Tensor2D, features };
  }
}
