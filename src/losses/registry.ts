/**
 * Every edge loss in one record each. A record says which data the loss works on (labelled batches
 * in `trainGraph`, unlabelled weak/strong views in `trainSemiGraph`, or both), whether it compares
 * attention maps (and so takes `crops`), whether it may be a self-loop, what it needs (a
 * temperature, parameters of its own such as the FitNets regressor) and its per-sample function.
 * The spec's loss enum, both trainers, the search spaces and the diagrams read it: adding a loss is
 * one record below plus its test.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../models/layers';
import type { ForwardOutput } from '../models/model';
import { attentionTransfer } from './attention';
import { fspLoss, hintLoss } from './features';
import { attentionMapOf, croppedMapLoss, mapCosineSimilarity, normalizedMapMse } from './maps';
import { cosineSimilarity, crossEntropy, distillation, klDivergence, pearsonDistance } from './probability';
import { adversarialLoss, GeneratedOutput, transferLoss } from './generated';

/** the fields of an edge that its loss reads */
export interface EdgeLossOptions {
  temperature?: number;
  crops?: number[];
}

/** a labelled batch: the source's output (already stop-gradient) and the target's */
export interface LabelledPair {
  source: ForwardOutput;
  target: ForwardOutput;
  /** the edge's own parameters (FitNets regressor), trained with the target */
  params?: ParamStore;
}

/** an unlabelled batch (thesis Ch.5): the source's weak-view probabilities (stop-gradient) and the target's logits */
export interface UnlabelledPair {
  sourceWeakProbs: tf.Tensor2D;
  targetWeak: tf.Tensor2D;
  targetStrong: tf.Tensor2D;
  /** confidence threshold of pseudo-threshold */
  tau: number;
}

/** a GAN graph's edge (co-training, papers 003 / 000): generator outputs on one shared z */
export interface GeneratedPair {
  /** the source generator's output (stop-gradient is the loss's job); undefined on edges from the discriminator */
  source?: GeneratedOutput;
  target: GeneratedOutput;
  /** the shared discriminator's logits for the target's images and the index of its "real" class */
  judged?: () => { logits: tf.Tensor2D; realClass: number };
  /** weight of transfer losses (the graph's α, paper: 1000) */
  alpha: number;
}

export interface LossDefinition {
  summary: string;
  /** labelled: `trainGraph` only; unlabelled: `trainSemiGraph` only; both: either; generated: GAN graphs (`trainCoGan`) */
  data: 'labelled' | 'unlabelled' | 'both' | 'generated';
  /** compares attention maps: takes `crops` in specs and spaces */
  usesMaps?: boolean;
  /** allowed on a self-loop s → s (semi-supervised consistency between two views of one node) */
  selfLoop?: boolean;
  /** needs `temperature` on the edge */
  needsTemperature?: boolean;
  /** no loss at all: the edge acts otherwise (EMA copies its source) */
  noLoss?: boolean;
  /** allowed on edges from the label node 0 (its "probabilities" are the one-hot labels) */
  fromLabels?: boolean;
  /** GAN graphs: the loss of edges from node 0, the shared discriminator (and only of those) */
  fromDiscriminator?: boolean;
  /** the target becomes a copy of the source (an exponential moving average, Eq 5.2): one source per target, the same model at both ends */
  copiesSource?: boolean;
  /** diagram colour in the "losses" view (default grey) */
  colour?: string;
  /** parameters owned by the edge, trained with its target */
  createParams?: (seed: number, prefix: string) => ParamStore;
  /** per-sample loss [batch] on a labelled batch */
  labelled?: (edge: EdgeLossOptions, pair: LabelledPair) => tf.Tensor1D;
  /** per-sample loss [batch] on an unlabelled batch */
  unlabelled?: (edge: EdgeLossOptions, pair: UnlabelledPair) => tf.Tensor1D;
  /** per-sample loss [batch] of a generator in a GAN graph */
  generated?: (edge: EdgeLossOptions, pair: GeneratedPair) => tf.Tensor1D;
}

const probs = (o: ForwardOutput) => tf.softmax(o.logits) as tf.Tensor2D;

function sameSize(s: tf.Tensor3D, t: tf.Tensor3D): void {
  if (s.shape[1] !== t.shape[1] || s.shape[2] !== t.shape[2])
    throw new Error(`attention maps of different sizes: ${s.shape.slice(1).join('×')} and ${t.shape.slice(1).join('×')}`);
}

/** attention-map pull (Eq 4.8) or push (Eq 4.9), over the edge's crops when it has any */
function mapLoss(edge: EdgeLossOptions, { source, target }: LabelledPair, kind: 'pull' | 'push'): tf.Tensor1D {
  const s = attentionMapOf(source);
  const t = attentionMapOf(target);
  sameSize(s, t);
  if (edge.crops) return croppedMapLoss(s, t, edge.crops, kind);
  return kind === 'pull' ? normalizedMapMse(s, t) : mapCosineSimilarity(s, t);
}

const kl = (_e: EdgeLossOptions, { source, target }: LabelledPair) => klDivergence(probs(source), target.logits);
const probPush = (_e: EdgeLossOptions, { source, target }: LabelledPair) => cosineSimilarity(probs(source), probs(target));
const pseudoLabels = (p: UnlabelledPair) => tf.argMax(p.sourceWeakProbs, 1) as tf.Tensor1D;
function between(p: GeneratedPair): { source: GeneratedOutput; target: GeneratedOutput } {
  if (!p.source) throw new Error('a transfer loss needs a source generator');
  return { source: p.source, target: p.target };
}

export const lossRegistry = {
  kl: {
    summary: 'KL(p_s ‖ p_t) of the probabilities (Eq 3.2); on unlabelled data between weak views',
    data: 'both',
    fromLabels: true,
    colour: '#1f77b4',
    labelled: kl,
    unlabelled: (_e, p) => klDivergence(p.sourceWeakProbs, p.targetWeak),
  },
  ce: {
    summary: "cross-entropy against the source's argmax",
    data: 'labelled',
    fromLabels: true,
    colour: '#333333',
    labelled: (_e, { source, target }) => crossEntropy(tf.argMax(source.logits, 1) as tf.Tensor1D, target.logits),
  },
  kd: {
    summary: 'Hinton distillation T²·KL at temperature T',
    data: 'labelled',
    needsTemperature: true,
    labelled: (e, { source, target }) => distillation(source.logits, target.logits, e.temperature ?? 4),
  },
  dist: {
    summary: '1 − Pearson correlation of the probabilities (DIST)',
    data: 'labelled',
    labelled: (_e, { source, target }) => pearsonDistance(probs(source), probs(target)),
  },
  at: {
    summary: 'attention transfer of the last stage (Zagoruyko & Komodakis)',
    data: 'labelled',
    labelled: (_e, { source, target }) => {
      const s = source.features[source.features.length - 1];
      const t = target.features[target.features.length - 1];
      if (s.shape[1] !== t.shape[1] || s.shape[2] !== t.shape[2])
        throw new Error(`attention transfer needs equal map sizes, got ${s.shape.slice(1, 3)} and ${t.shape.slice(1, 3)}`);
      return attentionTransfer(s, t);
    },
  },
  fsp: {
    summary: 'FSP matrices between consecutive stages (Yim et al.)',
    data: 'labelled',
    labelled: (_e, { source, target }) => fspLoss(source.features, target.features),
  },
  hint: {
    summary: 'FitNets hint of the middle stage through a 1×1 regressor trained with the target',
    data: 'labelled',
    createParams: (seed, prefix) => new ParamStore(seed, prefix),
    labelled: (_e, { source, target, params }) => {
      if (!params) throw new Error('a hint edge needs its regressor parameters');
      const middle = (o: ForwardOutput) => o.features[Math.floor((o.features.length - 1) / 2)];
      return hintLoss(middle(source), middle(target), params);
    },
  },
  'map-pull': { summary: 'MSE of L2-normalised attention maps (Eq 4.8)', data: 'labelled', usesMaps: true, labelled: (e, p) => mapLoss(e, p, 'pull') },
  'map-push': {
    summary: 'cosine similarity of attention maps, minimised (Eq 4.9)',
    data: 'labelled',
    usesMaps: true,
    labelled: (e, p) => mapLoss(e, p, 'push'),
  },
  'prob-push': { summary: 'cosine similarity of the probabilities, minimised (Eq 4.7)', data: 'labelled', labelled: probPush },
  // L'_{s,t} = L_p + L_map (Eq 4.11)
  'both-pull': {
    summary: 'kl + map-pull (Eq 4.11)',
    data: 'labelled',
    usesMaps: true,
    labelled: (e, p) => tf.add(kl(e, p), mapLoss(e, p, 'pull')) as tf.Tensor1D,
  },
  'both-push': {
    summary: 'prob-push + map-push',
    data: 'labelled',
    usesMaps: true,
    labelled: (e, p) => tf.add(probPush(e, p), mapLoss(e, p, 'push')) as tf.Tensor1D,
  },
  // maximising a divergence has no bound: kept to show the collapse (Tables 4.4–4.5)
  'neg-kl': { summary: '−KL: the push design that collapses (Table 4.4)', data: 'labelled', labelled: (e, p) => tf.neg(kl(e, p)) as tf.Tensor1D },
  'neg-map-pull': {
    summary: '−MSE of attention maps: collapses (Table 4.5)',
    data: 'labelled',
    usesMaps: true,
    labelled: (e, p) => tf.neg(mapLoss(e, p, 'pull')) as tf.Tensor1D,
  },
  consistency: {
    summary: "KL between the source's weak view and the target's strong view (Eq 5.1)",
    data: 'unlabelled',
    selfLoop: true,
    colour: '#1f77b4',
    unlabelled: (_e, p) => klDivergence(p.sourceWeakProbs, p.targetStrong),
  },
  pseudo: {
    summary: "CE of the target's strong view against the source's weak-view argmax (Eq 5.4)",
    data: 'unlabelled',
    selfLoop: true,
    colour: '#9467bd',
    unlabelled: (_e, p) => crossEntropy(pseudoLabels(p), p.targetStrong),
  },
  'pseudo-threshold': {
    summary: 'pseudo where the source is confident, max p > τ (Eq 5.5)',
    data: 'unlabelled',
    selfLoop: true,
    colour: '#d62728',
    unlabelled: (_e, p) =>
      tf.mul(tf.cast(tf.greater(tf.max(p.sourceWeakProbs, 1), p.tau), 'float32'), crossEntropy(pseudoLabels(p), p.targetStrong)) as tf.Tensor1D,
  },
  ema: {
    summary: 'the target is an exponential moving average of the source (Eq 5.2); no loss',
    data: 'unlabelled',
    noLoss: true,
    copiesSource: true,
    colour: '#2ca02c',
  },
  adversarial: {
    summary: "a generator's loss against the shared discriminator: CE(D(G_t(z)), real) (GAN paper Eq 2)",
    data: 'generated',
    fromDiscriminator: true,
    colour: '#333333',
    generated: (_e, p) => {
      if (!p.judged) throw new Error('an adversarial loss needs the discriminator');
      const { logits, realClass } = p.judged();
      return adversarialLoss(logits, realClass);
    },
  },
  images: {
    summary: 'α · MSE of the per-sample L2-normalised generated images (GAN paper Eq 5)',
    data: 'generated',
    colour: '#1f77b4',
    generated: (_e, p) => ((x) => transferLoss(x.source, x.target, 'images', p.alpha))(between(p)),
  },
  'input-side': {
    summary: "α · MSE of normalised attention maps of the generators' layers nearest the input (GAN paper Eq 3-4)",
    data: 'generated',
    colour: '#2ca02c',
    generated: (_e, p) => ((x) => transferLoss(x.source, x.target, 'input-side', p.alpha))(between(p)),
  },
  'output-side': {
    summary: "α · MSE of normalised attention maps of the generators' layers nearest the output (GAN paper Eq 3-4)",
    data: 'generated',
    colour: '#d62728',
    generated: (_e, p) => ((x) => transferLoss(x.source, x.target, 'output-side', p.alpha))(between(p)),
  },
} as const satisfies Record<string, LossDefinition>;

export type LossName = keyof typeof lossRegistry;
/** every loss id, in the registry's order */
export const lossNames = Object.keys(lossRegistry) as [LossName, ...LossName[]];

export function lossDefinition(name: LossName): LossDefinition {
  const def: LossDefinition | undefined = Object.prototype.hasOwnProperty.call(lossRegistry, name)
    ? (lossRegistry as Record<string, LossDefinition>)[name]
    : undefined;
  if (!def) throw new Error(`unknown loss "${String(name)}" (known: ${lossNames.join(', ')})`);
  return def;
}

/** losses of GAN graphs (trained with `trainCoGan`) */
export const generatedLosses = lossNames.filter((n) => lossDefinition(n).data === 'generated');
/** losses between two generators of a GAN graph: what a transfer edge compares */
export const transferLosses = generatedLosses.filter((n) => !lossDefinition(n).fromDiscriminator);
/** the loss of a GAN graph's edges from the discriminator */
export const ADVERSARIAL_LOSS = generatedLosses.find((n) => lossDefinition(n).fromDiscriminator)!;

/** losses that need unlabelled data (trained with `trainSemiGraph`) */
export const semiSupervisedLosses = lossNames.filter((n) => lossDefinition(n).data === 'unlabelled');
/** losses allowed on a self-loop */
export const selfLoopLosses = lossNames.filter((n) => lossDefinition(n).selfLoop === true);

/** the edge makes its target a copy (EMA) of its source instead of carrying a loss */
export function copiesSource(loss: LossName): boolean {
  return lossDefinition(loss).copiesSource === true;
}

/** the loss of an edge whose spec names none (knowledge distillation between probabilities, Eq 3.2) */
export const DEFAULT_LOSS: LossName = 'kl';
/** the loss a search gives label edges 0 → t (cross-entropy, Eq 3.1) */
export const LABEL_LOSS: LossName = 'ce';
/** what a student learns from teachers' probabilities in multi-teacher distillation (Table 4.9): Hinton's KD at temperature T */
export const DISTILLATION_LOSS: LossName = 'kd';
/** what a student learns from teachers' attention maps there: the MSE of L2-normalised maps (Eq 4.8) */
export const ATTENTION_LOSS: LossName = 'map-pull';
/** losses allowed on edges from the label node */
export const labelLosses = lossNames.filter((n) => lossDefinition(n).fromLabels);
