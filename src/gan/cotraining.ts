/**
 * Collaborative learning of GANs (papers 003 / 000): k DCGAN generators and one discriminator with
 * k + 1 softmax outputs (class i = "made by G_i", class k = real; MAD-GAN style).
 *   D step (Eq 1): CE(D(x_real), k) + Σ_i CE(D(G_i(z_i)), i), a different z_i per generator.
 *   G step: all generators share one z. Generator t's loss is Gate_t(CE(D(G_t(z)), real)) (Eq 2)
 *   plus, for every transfer edge s → t, Gate_{s,t}(α · ‖n(A_s) − n(A_t)‖²) where A is the generated
 *   image (Eq 5) or the feature-map attention Q = (1/C) Σ_c F² of two layers near the input or the
 *   output (Eq 3–4), n(·) the per-sample L2 normalisation, α = 1000; the source side is
 *   stop-gradient, so an edge trains only its target.
 * k = 1 without edges is DCGAN (with a 2-way softmax D), k > 1 without edges is MAD-GAN; `norm:
 * 'spectral'` gives the SN variants.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { Adam } from '../optim';
import { issueLines } from '../schema/issues';
import { ImageDataset } from '../data/dataset';
import { Rng } from '../data/random';
import { applyGate, DEFAULT_GATE, gateProblems, gateSchema, GateSpec } from '../gates';
import { upgradeIds } from '../schema/ids';
import { crossEntropy } from '../losses';
import { stopGradient } from '../tensor/stop_gradient';
import { realImageStream } from './real_images';
import { driveEpochs } from '../training/epoch_driver';
import { generateImages } from './train_gan';
import { DcganDiscriminator, DcganGenerator, GeneratorOutput, ImageSize } from './dcgan';
import { InputError } from '../input_error';

export type TransferKind = 'images' | 'input-side' | 'output-side';

export interface CoGanSpec {
  generators: number;
  /** gate of each generator's adversarial loss (default through) */
  adversarialGates?: GateSpec[];
  /** transfer edges between generators (1-based ids) */
  edges: { source: number; target: number; kind: TransferKind; gate: GateSpec }[];
  /** weight of transfer losses (paper: 1000) */
  alpha?: number;
}

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
  /** called every `every` steps (and at the last) with the current state, e.g. to compute IS; "stop" ends training (status "stopped") */
  onCheckpoint?: (step: number, gans: CoGanModels, history: CoGanHistory[]) => void | 'stop' | Promise<void | 'stop'>;
  every?: number;
  signal?: AbortSignal;
}

export interface CoGanModels {
  generators: DcganGenerator[];
  discriminator: DcganDiscriminator;
}

export interface CoGanHistory {
  step: number;
  dLoss: number;
  gLoss: number[];
}

export const transferKindSchema = z.enum(['images', 'input-side', 'output-side']);

export const coGanSpecSchema = z
  .object({
    generators: z.number().int().min(1).max(64),
    adversarialGates: z.array(gateSchema).optional(),
    edges: z.array(z.object({ source: z.number().int(), target: z.number().int(), kind: transferKindSchema, gate: gateSchema }).strict()),
    alpha: z.number().positive().finite().optional(),
  })
  .strict();

export class CoGanSpecError extends InputError {
  constructor(readonly problems: string[]) {
    super(`invalid co-GAN spec:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parses and validates a co-GAN spec: unknown keys and kinds, gate parameters, edge ends. */
export function parseCoGanSpec(input: unknown): CoGanSpec {
  const parsed = coGanSpecSchema.safeParse(upgradeIds(input));
  if (!parsed.success) throw new CoGanSpecError(issueLines(coGanSpecSchema, parsed.error));
  const spec = parsed.data;
  const k = spec.generators;
  const problems: string[] = [];
  if (spec.adversarialGates && spec.adversarialGates.length !== k) problems.push(`adversarialGates: needs ${k} gates, got ${spec.adversarialGates.length}`);
  spec.adversarialGates?.forEach((g, i) => gateProblems(g).forEach((p) => problems.push(`adversarialGates.${i} (generator ${i + 1}): ${p}`)));
  const seen = new Set<string>();
  spec.edges.forEach((e, i) => {
    const label = `edge ${i} (${e.source}→${e.target}, ${e.kind})`;
    for (const end of [e.source, e.target]) if (!(end >= 1 && end <= k)) problems.push(`${label}: generator ${end} does not exist (1..${k})`);
    if (e.source === e.target) problems.push(`${label}: a generator cannot transfer to itself`);
    gateProblems(e.gate).forEach((p) => problems.push(`${label}: ${p}`));
    if (seen.has(`${e.source}->${e.target}`)) problems.push(`${label}: duplicate edge`);
    seen.add(`${e.source}->${e.target}`);
  });
  if (problems.length) throw new CoGanSpecError(problems);
  return spec as CoGanSpec;
}

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

/**
 * What a transfer edge compares, per sample and L2-normalised per sample: the generated image
 * (Eq 5, one part) or the attention maps Q = (1/C)Σ_c F² of two layers near the input or the
 * output (Eq 3, one part per layer).
 */
export function transferRepresentation(out: GeneratorOutput, kind: TransferKind): tf.Tensor2D[] {
  return tf.tidy(() => {
    const flat = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    let parts: tf.Tensor2D[];
    if (kind === 'images') parts = [flat(out.images)];
    else {
      const maps = out.features.slice(1).length >= 2 ? out.features.slice(1) : out.features;
      // two layers per side when there are at least three maps (64×64); with two maps (28×28 and
      // 32×32 generators) one each, so that input-side and output-side never compare the same layers
      const k = maps.length >= 3 ? 2 : 1;
      const chosen = kind === 'input-side' ? maps.slice(0, k) : maps.slice(-k);
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
export function transferLoss(source: GeneratorOutput, target: GeneratorOutput, kind: TransferKind, alpha: number): tf.Tensor1D {
  return tf.tidy(() => {
    const s = transferRepresentation(source, kind).map((p) => stopGradient(p));
    const t = transferRepresentation(target, kind);
    const perPart = t.map((tp, m) => tf.mean(tf.square(tf.sub(s[m], tp)), 1));
    return tf.mul(alpha / perPart.length, tf.addN(perPart)) as tf.Tensor1D;
  });
}

export function createCoGan(spec: CoGanSpec, options: Pick<CoGanOptions, 'imageSize' | 'channels' | 'zDim' | 'baseWidth' | 'norm' | 'seed'>): CoGanModels {
  const base = { imageSize: options.imageSize, channels: options.channels, zDim: options.zDim, baseWidth: options.baseWidth };
  const seed = options.seed ?? 0;
  return {
    generators: Array.from({ length: spec.generators }, (_, i) => new DcganGenerator({ ...base, seed: seed * 100 + i + 1 })),
    discriminator: new DcganDiscriminator({ ...base, seed: seed * 100 + 50, norm: options.norm ?? 'spectral', outputs: spec.generators + 1 }),
  };
}

export async function trainCoGan(
  input: CoGanSpec,
  data: ImageDataset,
  options: CoGanOptions,
): Promise<{ models: CoGanModels; history: CoGanHistory[]; status: 'completed' | 'aborted' | 'diverged' | 'stopped' }> {
  const spec = parseCoGanSpec(input);
  const k = spec.generators;
  const alpha = spec.alpha ?? 1000;
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
  const history: CoGanHistory[] = [];
  const every = options.every ?? Math.max(1, Math.floor(options.steps / 4));
  // an "epoch" is `every` steps; after each, onCheckpoint sees the models (and may stop the run)
  const run = await driveEpochs({
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
      const outputsNoGrad = generators.map((g) =>
        tf.tidy(() => {
          const o = g.apply(z, true);
          return { images: stopGradient(o.images), features: o.features.map((f) => stopGradient(f)) };
        }),
      );
      for (let t = 0; t < k; t++) {
        const loss = gOpts[t].minimize(
          () => {
            const out = generators[t].apply(z, true);
            const realClass = tf.fill([n], k, 'int32') as tf.Tensor1D;
            const adv = crossEntropy(realClass, discriminator.apply(out.images, false).logits);
            const ctx = { step, totalSteps: options.steps };
            const terms: tf.Scalar[] = [tf.mean(applyGate(spec.adversarialGates?.[t] ?? DEFAULT_GATE, adv, ctx)) as tf.Scalar];
            for (const e of spec.edges.filter((x) => x.target === t + 1)) {
              terms.push(tf.mean(applyGate(e.gate, transferLoss(outputsNoGrad[e.source - 1], out, e.kind, alpha), ctx)) as tf.Scalar);
            }
            return tf.addN(terms) as tf.Scalar;
          },
          true,
          generators[t].params.variables(),
        )!;
        gLosses.push(loss.dataSync()[0]);
        loss.dispose();
      }
      const d = dLoss.dataSync()[0];
      tf.dispose([dLoss, z, real, ...outputsNoGrad.flatMap((o) => [o.images, ...o.features])]);
      history.push({ step: step + 1, dLoss: d, gLoss: gLosses });
      return [d, ...gLosses];
    },
    endEpoch: (_means, info) => (options.onCheckpoint ? options.onCheckpoint(Math.min((info.epoch + 1) * every, options.steps), models, history) : undefined),
    onEpoch: (answer) => answer,
  });
  return { models, history, status: run.status };
}

/** `n` images from a generator, [n, h, w, c] in [−1, 1] (`generateImages` without the labels) */
export function generate(generator: DcganGenerator, n: number, seed: number): tf.Tensor4D {
  return generateImages(generator, n, seed).images;
}
