/**
 * One generator against one discriminator with a 1-logit output, under any objective of paper 002
 * (non-saturating GAN, LSGAN, WGAN with clipping, WGAN-GP, hinge) and batch or spectral norm in D.
 * Snapshots of the generator (paper 001: iterations 300/600/1200/2400) are handed to `onSnapshot`
 * while training goes on, e.g. to generate a training set from each. Like every trainer it runs in
 * periods (here of `every` steps), each ending with its mean losses and `onEpoch`, which may stop it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../optim';
import { ImageDataset } from '../data/dataset';
import { Rng } from '../data/random';
import { stopGradient } from '../tensor/stop_gradient';
import { DcganDiscriminator, DcganGenerator, ImageSize } from './dcgan';
import { clipWeights, discriminatorLoss, GanObjective, generatorLoss, gradientPenalty } from './objectives';
import { realImageStream } from './real_images';
import { driveEpochs, RunResult } from '../training/epoch_driver';

export interface GanOptions {
  imageSize: ImageSize;
  channels: number;
  objective?: GanObjective;
  norm?: 'batch' | 'spectral';
  zDim?: number;
  baseWidth?: number;
  steps: number;
  batchSize: number;
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  /** D steps per G step (WGAN papers: 5) */
  criticSteps?: number;
  /** WGAN weight clipping bound */
  clip?: number;
  /** WGAN-GP penalty weight λ */
  penalty?: number;
  seed?: number;
  /** steps after which `onSnapshot` sees the generator */
  snapshots?: number[];
  onSnapshot?: (step: number, generator: DcganGenerator) => void | Promise<void>;
  /** steps per period (default a quarter of the steps) */
  every?: number;
  /** after each period, with its mean losses and the models; "stop" ends training (status "stopped") */
  onEpoch?: (period: GanPeriod, models: GanModels) => void | 'stop' | Promise<void | 'stop'>;
  signal?: AbortSignal;
  /** conditional GAN (CGAN, paper 001): generator and discriminator see the class label */
  conditional?: boolean;
}

/** one period of `every` steps */
export interface GanPeriod {
  /** 1-based period */
  epoch: number;
  /** steps done by its end */
  step: number;
  /** mean discriminator (critic) loss of the period's steps (the last critic step of each) */
  dLoss: number;
  /** mean generator loss */
  gLoss: number;
  seconds: number;
}

export interface GanModels {
  generator: DcganGenerator;
  discriminator: DcganDiscriminator;
}

export type GanResult = RunResult<GanPeriod, GanModels>;

export async function trainGan(data: ImageDataset, options: GanOptions): Promise<GanResult> {
  const objective = options.objective ?? 'gan';
  const seed = options.seed ?? 0;
  const classes = options.conditional ? data.classes.length : undefined;
  const base = { imageSize: options.imageSize, channels: options.channels, zDim: options.zDim, baseWidth: options.baseWidth, classes };
  const generator = new DcganGenerator({ ...base, seed: seed * 100 + 1 });
  const discriminator = new DcganDiscriminator({ ...base, seed: seed * 100 + 50, norm: options.norm ?? 'batch', outputs: 1 });
  const n = options.batchSize;
  const zDim = generator.zDim;
  const nextReal = realImageStream(data, n, options.imageSize, options.channels, new Rng(seed));
  tf.tidy(() => {
    const label = classes ? (tf.zeros([1], 'int32') as tf.Tensor1D) : undefined;
    discriminator.apply(generator.apply(tf.zeros([1, zDim]) as tf.Tensor2D, false, label).images, false, label);
  });
  const lr = options.learningRate ?? 2e-4;
  const dOpt = new Adam({ learningRate: lr, beta1: options.beta1 ?? 0.5, beta2: options.beta2 ?? 0.999 });
  const gOpt = new Adam({ learningRate: lr, beta1: options.beta1 ?? 0.5, beta2: options.beta2 ?? 0.999 });
  const rng = new Rng(seed + 7);
  // labels of generated images: uniform over the classes (conditional GANs only)
  const fakeLabels = () =>
    classes
      ? tf.tensor1d(
          Array.from({ length: n }, () => rng.int(classes)),
          'int32',
        )
      : undefined;
  const critic = (labels: tf.Tensor1D | undefined) => (x: tf.Tensor4D) => tf.reshape(discriminator.apply(x, true, labels).logits, [-1]);
  const snapshots = new Set(options.snapshots ?? []);
  const models = { generator, discriminator };
  const every = options.every ?? Math.max(1, Math.floor(options.steps / 4));
  let zSeed = seed * 1_000_003;
  const z = () => tf.randomNormal([n, zDim], 0, 1, 'float32', zSeed++) as tf.Tensor2D;
  // periods of `every` steps: the driver gives the abort signal, the non-finite check, the means and disposal
  const run = await driveEpochs<number, GanPeriod>({
    epochs: Math.ceil(options.steps / every),
    optimizers: [dOpt, gOpt],
    steps: (epoch) => Array.from({ length: Math.min(every, options.steps - epoch * every) }, (_, i) => epoch * every + i),
    signal: options.signal,
    describeValue: (i) => (i === 0 ? 'the discriminator loss' : 'the generator loss'),
    step: async (step) => {
      let d = 0;
      for (let k = 0; k < (options.criticSteps ?? 1); k++) {
        const real = nextReal();
        const realLabels = classes ? real.labels : undefined;
        const labels = fakeLabels();
        const fake = tf.tidy(() => stopGradient(generator.apply(z(), true, labels).images));
        const loss = dOpt.minimize(
          () => {
            const value = discriminatorLoss(objective, critic(realLabels)(real.images), critic(labels)(fake));
            // interpolates carry the real labels (CGAN-GP); unconditional critics ignore them
            return objective === 'wgan-gp'
              ? (tf.add(value, gradientPenalty(critic(realLabels), real.images, fake, options.penalty ?? 10, zSeed++)) as tf.Scalar)
              : value;
          },
          true,
          discriminator.params.variables(),
        )!;
        if (objective === 'wgan') clipWeights(discriminator.params.variables(), options.clip ?? 0.01);
        d = loss.dataSync()[0];
        tf.dispose([loss, real.images, real.labels, fake, ...(labels ? [labels] : [])]);
      }
      const labels = fakeLabels();
      // D in training mode here too: batch statistics of the fake batch, as in the reference DCGAN
      const gLoss = gOpt.minimize(
        () => generatorLoss(objective, critic(labels)(generator.apply(z(), true, labels).images)),
        true,
        generator.params.variables(),
      )!;
      const g = gLoss.dataSync()[0];
      tf.dispose([gLoss, ...(labels ? [labels] : [])]);
      if (Number.isFinite(d) && Number.isFinite(g) && snapshots.has(step + 1)) await options.onSnapshot?.(step + 1, generator);
      return [d, g];
    },
    endEpoch: ([dLoss, gLoss], info) => ({
      epoch: info.epoch + 1,
      step: Math.min((info.epoch + 1) * every, options.steps),
      dLoss,
      gLoss,
      seconds: info.seconds,
    }),
    onEpoch: options.onEpoch && ((period) => options.onEpoch!(period, models)),
  });
  return { ...run, models };
}

/** `n` images of a generator from a seeded z; conditional generators get balanced labels i mod classes */
export function generateImages(generator: DcganGenerator, n: number, seed: number): { images: tf.Tensor4D; labels?: Int32Array } {
  const classes = generator.options.classes;
  const labels = classes ? Int32Array.from({ length: n }, (_, i) => i % classes) : undefined;
  const images = tf.tidy(() => {
    const z = tf.randomNormal([n, generator.zDim], 0, 1, 'float32', seed) as tf.Tensor2D;
    const parts: tf.Tensor4D[] = [];
    for (let start = 0; start < n; start += 256) {
      const size = Math.min(256, n - start);
      const l = labels ? tf.tensor1d(labels.subarray(start, start + size), 'int32') : undefined;
      parts.push(generator.apply(tf.slice(z, [start, 0], [size, -1]), false, l).images);
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor4D);
  });
  return { images, labels };
}
