/**
 * Every gate in one record each (thesis §3.2, Ch.5, GAN paper). A gate weights an edge's per-sample
 * loss a by step k of k_end and, for data-dependent gates, by the source's probabilities:
 *   through  G(a) = a                       cutoff  G(a) = 0
 *   linear   G(a) = k/k_end · a             negative-linear  G(a) = (k_end − k)/k_end · a
 *   cosine-ramp  G(a) = ½(1 − cos(π k/k_end)) · a  (a smooth 0 → 1 ramp)
 *   correct  G(a) = a if argmax p_s = y else 0
 *   sine     G(a) = (0.5 + 0.5·sin(2π f k/k_end + φ)) · a,  f ∈ [0, 1], φ ∈ [0, 3/4·2π]
 *   threshold G(a) = 1[max p_s > τ] · a    (FixMatch, τ = 0.95)
 * The spec schema's enum, `GateName`, the search-space samplers, the diagram colours and the text
 * labels are all read from here: adding a gate is one record below plus its test.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/random';

/** a gate as it appears in specs: its id and, for some gates, parameters */
export interface GateParams {
  /** sine frequency f ∈ [0, 1] */
  f?: number;
  /** sine phase φ ∈ [0, 1.5π] */
  phi?: number;
  /** threshold τ ∈ (0, 1) */
  tau?: number;
}

/** what a data-dependent gate sees of a batch */
export interface GateData {
  /** source-node probabilities [batch, classes] (stop-gradient) */
  sourceProbs?: tf.Tensor2D;
  /** labels [batch] as class indices */
  labels?: tf.Tensor1D;
}

export interface GateDefinition {
  /** one line for documentation and `ktg list gates` */
  summary: string;
  /** edge colour in diagrams */
  colour: string;
  /** weight of a time-only gate at progress k/k_end ∈ [0, 1] */
  factor?: (gate: GateParams, progress: number) => number;
  /** per-sample weights [batch] of a data-dependent gate */
  weights?: (gate: GateParams, data: Required<Pick<GateData, 'sourceProbs'>> & GateData) => tf.Tensor1D;
  /** problems with the gate's parameters (default: none) */
  problems?: (gate: GateParams) => string[];
  /** random parameters for a search space (default: none) */
  sample?: (rng: Rng) => GateParams;
  /** parameters in labels, e.g. "f=0.20, φ=1.00" (default: none) */
  describe?: (gate: GateParams) => string;
  /** the edge carries nothing: a node whose every incoming edge blocks never learns (it is pretrained and frozen) */
  blocks?: boolean;
  /** weights samples by the labels, so it cannot gate an edge on unlabelled data */
  needsLabels?: boolean;
  /** parameter values when a spec leaves them out (a trainer option may override them, e.g. semi-supervised τ) */
  defaults?: GateParams;
}

export const SINE_PHI_MAX = 1.5 * Math.PI;
/** FixMatch's confidence threshold τ: the threshold gate's and the pseudo-threshold loss's default */
export const DEFAULT_TAU = 0.95;

const correctWeights: GateDefinition['weights'] = (_gate, { sourceProbs, labels }) => {
  if (!labels) throw new Error('gate correct needs the labels');
  return tf.cast(tf.equal(tf.argMax(sourceProbs, 1), tf.cast(labels, 'int32')), 'float32') as tf.Tensor1D;
};

export const gateRegistry = {
  through: { summary: 'passes the loss unchanged', colour: '#1f77b4', factor: () => 1 },
  cutoff: { summary: 'blocks the edge', colour: '#bbbbbb', factor: () => 0, blocks: true },
  linear: { summary: 'weight grows linearly from 0 to 1', colour: '#2ca02c', factor: (_g, p) => p },
  'negative-linear': { summary: 'weight falls linearly from 1 to 0', colour: '#9467bd', factor: (_g, p) => 1 - p },
  'cosine-ramp': { summary: 'weight ½(1 − cos πk/k_end): a smooth ramp from 0 to 1', colour: '#17becf', factor: (_g, p) => 0.5 * (1 - Math.cos(Math.PI * p)) },
  correct: { summary: 'only samples the source classifies correctly', colour: '#d62728', weights: correctWeights, needsLabels: true },
  sine: {
    summary: 'weight 0.5 + 0.5·sin(2πf k/k_end + φ)',
    colour: '#ff7f0e',
    factor: (g, p) => 0.5 + 0.5 * Math.sin(2 * Math.PI * (g.f ?? 0) * p + (g.phi ?? Math.PI / 2)),
    problems: (g) => {
      const problems: string[] = [];
      if (g.f == null) problems.push('a sine gate needs its frequency f (in [0, 1])');
      else if (!(g.f >= 0 && g.f <= 1)) problems.push(`sine frequency f must be in [0, 1], got ${g.f}`);
      if (g.phi == null) problems.push('a sine gate needs its phase phi (in [0, 3/4·2π])');
      else if (!(g.phi >= 0 && g.phi <= SINE_PHI_MAX + 1e-12)) problems.push(`sine phase φ must be in [0, 3/4·2π], got ${g.phi}`);
      return problems;
    },
    sample: (rng) => ({ f: rng.next(), phi: rng.next() * SINE_PHI_MAX }),
    describe: (g) => `f=${g.f?.toFixed(2)}, φ=${g.phi?.toFixed(2)}`,
  },
  threshold: {
    summary: 'only samples whose source confidence max p exceeds τ (FixMatch)',
    colour: '#8c564b',
    weights: (g, { sourceProbs }) => tf.cast(tf.greater(tf.max(sourceProbs, 1), g.tau ?? DEFAULT_TAU), 'float32') as tf.Tensor1D,
    problems: (g) => (g.tau != null && !(g.tau > 0 && g.tau < 1) ? [`threshold τ must be in (0, 1), got ${g.tau}`] : []),
    describe: (g) => `τ=${g.tau ?? DEFAULT_TAU}`,
    defaults: { tau: DEFAULT_TAU },
  },
} as const satisfies Record<string, GateDefinition>;

export type GateName = keyof typeof gateRegistry;
/** every gate id, in the registry's order */
export const gateNames = Object.keys(gateRegistry) as [GateName, ...GateName[]];

export interface GateSpec extends GateParams {
  name: GateName;
}

/** the gate of an edge whose spec names none */
export const DEFAULT_GATE: GateSpec = { name: 'through' };

export function gateDefinition(name: GateName): GateDefinition {
  const def: GateDefinition | undefined = Object.prototype.hasOwnProperty.call(gateRegistry, name)
    ? (gateRegistry as Record<string, GateDefinition>)[name]
    : undefined;
  if (!def) throw new Error(`unknown gate "${String(name)}" (known: ${gateNames.join(', ')})`);
  return def;
}

/** the edge carries nothing (cutoff) */
export function gateBlocks(gate: { name: GateName }): boolean {
  return gateDefinition(gate.name).blocks === true;
}

/** the gate has continuous parameters a search samples (sine) */
export function isContinuousGate(name: GateName): boolean {
  return gateDefinition(name).sample !== undefined;
}
