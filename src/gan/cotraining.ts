/**
 * Collaborative learning of GANs (papers 003 / 000): a GAN graph (graph/spec.ts, `kind: "gan"`) of k
 * DCGAN generators and one discriminator with k + 1 softmax outputs (class i = "made by G_i",
 * class k = real; MAD-GAN style).
 *   D step (Eq 1): CE(D(x_real), k) + Σ_i CE(D(G_i(z_i)), i), a different z_i per generator.
 *   G step: all generators share one z. Generator t's loss is the sum over its incoming edges of
 *   Gate(loss): the edge 0 → t carries its adversarial loss CE(D(G_t(z)), real) (Eq 2), an edge
 *   s → t a transfer loss of the registry (src/losses/generated.ts: images, input-side or
 *   output-side attention, Eq 3–5, weight α = 1000) with the source stop-gradient, so an edge
 *   trains only its target.
 * k = 1 without transfer edges is DCGAN (with a 2-way softmax D), k > 1 without them is MAD-GAN;
 * `norm: 'spectral'` gives the SN variants. Training runs in periods of `every` steps, the GAN's
 * epochs: each ends with the period's mean losses and `onEpoch`, which may stop the run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../optim';
import { ImageDataset } from '../data/dataset';
import { Rng } from '../data/random';
import { applyGate, DEFAULT_GATE, GateSpec } from '../gates';
import { ADVERSARIAL_LOSS, crossEntropy, GeneratedOutput, lossDefinition, TransferSide, transferLosses } from '../losses';
import { GanGraphSpec, GanGraphSpecInput, parseGanGraphSpec } from '../graph/spec';
import { stopGradient } from '../tensor/stop_gradient';
import { realImageStream } from './real_images';
import { driveEpochs, RunResult } from '../training/epoch_driver';
import { generateImages } from './train_gan';
import { DcganDiscriminator, DcganGenerator, ImageSize } from './dcgan';

export interface CoGanOptions {
  imageSize: ImageSize;
  channels: number;
  zDim?: number;
  baseWidth?: number;
  norm?: 'batch' | 'spectral';
  steps: number;
  batchSize: number;
  learningRate?: number;
  beta1?: number;
  seed?: number;
  /** steps per period (the GAN's epoch; default a quarter of the steps) */
  every?: number;
  /** after each period, with its metrics and the models (e.g. to compute IS); "stop" ends training (status "stopped") */
  onEpoch?: (period: CoGanPeriod, models: CoGanModels) => void | 'stop' | Promise<void | 'stop'>;
  signal?: AbortSignal;
}

export interface CoGanModels {
  generators: DcganGenerator[];
  discriminator: DcganDiscriminator;
}

/** one period of `every` steps */
export interface CoGanPeriod {
  /** 1-based period */
  epoch: number;
  /** steps done by its end */
  step: number;
  /** mean discriminator loss over the period's steps */
  dLoss: number;
  /** mean loss per generator (adversarial + transfer, gated) */
  gLoss: number[];
  seconds: number;
}

export type CoGanResult = RunResult<CoGanPeriod, CoGanModels>;

/**
 * A GAN graph of `generators` generators, each with its adversarial edge (gate `adversarialGate`,
 * default through) and, with `transfer`, a transfer edge between every ordered pair (gate `gate`).
 */
export function coTrainingGraph(
  generators: number,
  options: { transfer?: TransferSide; gate?: GateSpec; adversarialGate?: GateSpec; alpha?: number } = {},
): GanGraphSpec {
  const edges: GanGraphSpec['edges'] = Array.from({ length: generators }, (_, i) => ({
    source: 0,
    target: i + 1,
    loss: ADVERSARIAL_LOSS,
    gate: options.adversarialGate ?? DEFAULT_GATE,
  }));
  if (options.transfer)
    for (let t = 1; t <= generators; t++)
      for (let s = 1; s <= generators; s++) if (s !== t) edges.push({ source: s, target: t, loss: options.transfer, gate: options.gate ?? DEFAULT_GATE });
  return parseGanGraphSpec({ kind: 'gan', nodes: Array.from({ length: generators }, () => ({ model: 'dcgan' })), edges, alpha: options.alpha ?? 1000 });
}

/** the transfer sides a GAN graph's edges may compare (the registry's losses between generators) */
export const transferSides = transferLosses as TransferSide[];

/** D's loss (Eq 1): real images belong to class k, images of generator i to class i */
export function discriminatorCoLoss(realLogits: tf.Tensor2D, fakeLogits: tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(() => {
    const k = fakeLogits.length;
    const label = (n: number, c: number) => tf.fill([n], c, 'int32') as tf.Tensor1D;
    const terms = [
      tf.mean(crossEntropy(label(realLogits.shape[0], k), realLogits)),
      ...fakeLogits.map((l, i) => tf.mean(crossEntropy(label(l.shape[0], i), l))),
    ];
    return tf.addN(terms) as tf.Scalar;
  });
}

export function createCoGan(spec: GanGraphSpec, options: Pick<CoGanOptions, 'imageSize' | 'channels' | 'zDim' | 'baseWidth' | 'norm' | 'seed'>): CoGanModels {
  const base = { imageSize: options.imageSize, channels: options.channels, zDim: options.zDim, baseWidth: options.baseWidth };
  const seed = options.seed ?? 0;
  const k = spec.nodes.length;
  return {
    generators: spec.nodes.map((n, i) => new DcganGenerator({ ...base, seed: seed * 100 + (n.seed ?? i + 1) })),
    discriminator: new DcganDiscriminator({ ...base, seed: seed * 100 + 50, norm: options.norm ?? 'spectral', outputs: k + 1 }),
  };
}

export async function trainCoGan(input: GanGraphSpecInput, data: ImageDataset, options: CoGanOptions): Promise<CoGanResult> {
  const spec = parseGanGraphSpec(input);
  const k = spec.nodes.length;
  const models = createCoGan(spec, options);
  const { generators, discriminator } = models;
  const zDim = generators[0].zDim;
  const n = options.batchSize;
  // real images of another size are resized (paper 003: CIFAR-10 at 64×64)
  const nextReal = realImageStream(data, n, options.imageSize, options.channels, new Rng(options.seed ?? 0));
  // build the variables
  tf.tidy(() => {
    const z = tf.zeros([1, zDim]) as tf.Tensor2D;
    for (const g of generators) discriminator.apply(g.apply(z, false).images, false);
  });
  const lr = options.learningRate ?? 2e-4;
  const dOpt = new Adam({ learningRate: lr, beta1: options.beta1 ?? 0.5, beta2: 0.999 });
  const gOpts = generators.map(() => new Adam({ learningRate: lr, beta1: options.beta1 ?? 0.5, beta2: 0.999 }));
  const every = options.every ?? Math.max(1, Math.floor(options.steps / 4));
  const incoming = generators.map((_, t) => spec.edges.filter((e) => e.target === t + 1));
  const run = await driveEpochs<number, CoGanPeriod>({
    epochs: Math.ceil(options.steps / every),
    optimizers: [dOpt, ...gOpts],
    steps: (epoch) => Array.from({ length: Math.min(every, options.steps - epoch * every) }, (_, i) => epoch * every + i),
    signal: options.signal,
    describeValue: (i) => (i === 0 ? 'the discriminator loss' : `the loss of generator ${i}`),
    step: (step) => {
      const { images: real, labels: realLabels } = nextReal();
      realLabels.dispose();
      const seedBase = (options.seed ?? 0) * 1_000_003 + step * (k + 2);
      // D step: a different z per generator
      const dLoss = dOpt.minimize(
        () => {
          const fakes = generators.map((g, i) => stopGradient(g.apply(tf.randomNormal([n, zDim], 0, 1, 'float32', seedBase + i) as tf.Tensor2D, true).images));
          return discriminatorCoLoss(
            discriminator.apply(real, true).logits,
            fakes.map((f) => discriminator.apply(f, true).logits),
          );
        },
        true,
        discriminator.params.variables(),
      )!;
      // G step: one shared z; each generator's own optimizer over its own variables
      const z = tf.randomNormal([n, zDim], 0, 1, 'float32', seedBase + k) as tf.Tensor2D;
      const gLosses: number[] = [];
      const outputsNoGrad: GeneratedOutput[] = generators.map((g) =>
        tf.tidy(() => {
          const o = g.apply(z, true);
          return { images: stopGradient(o.images), features: o.features.map((f) => stopGradient(f)) };
        }),
      );
      const ctx = { step, totalSteps: options.steps };
      for (let t = 0; t < k; t++) {
        const loss = gOpts[t].minimize(
          () => {
            const out = generators[t].apply(z, true);
            const judged = () => ({ logits: discriminator.apply(out.images, false).logits, realClass: k });
            const terms = incoming[t].map((e) => {
              const perSample = lossDefinition(e.loss).generated!(e, {
                source: e.source === 0 ? undefined : outputsNoGrad[e.source - 1],
                target: out,
                judged,
                alpha: spec.alpha,
              });
              return tf.mean(applyGate(e.gate, perSample, ctx)) as tf.Scalar;
            });
            return (terms.length ? tf.addN(terms) : tf.mul(0, tf.sum(out.images))) as tf.Scalar;
          },
          true,
          generators[t].params.variables(),
        )!;
        gLosses.push(loss.dataSync()[0]);
        loss.dispose();
      }
      const d = dLoss.dataSync()[0];
      tf.dispose([dLoss, z, real, ...outputsNoGrad.flatMap((o) => [o.images, ...o.features])]);
      return [d, ...gLosses];
    },
    endEpoch: (means, info) => ({
      epoch: info.epoch + 1,
      step: Math.min((info.epoch + 1) * every, options.steps),
      dLoss: means[0],
      gLoss: means.slice(1),
      seconds: info.seconds,
    }),
    onEpoch: options.onEpoch && ((period) => options.onEpoch!(period, models)),
  });
  return { ...run, models };
}

/** `n` images from a generator, [n, h, w, c] in [−1, 1] (`generateImages` without the labels) */
export function generate(generator: DcganGenerator, n: number, seed: number): tf.Tensor4D {
  return generateImages(generator, n, seed).images;
}
