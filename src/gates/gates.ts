/**
 * Gates (thesis §3.2, Ch.5, GAN paper): per-sample weights applied to an edge's per-sample loss.
 * Each gate is a pure function of (per-sample loss a, step k, last step k_end, source
 * probabilities, labels) and returns the gated per-sample loss.
 *   through  G(a) = a                       cutoff  G(a) = 0
 *   linear   G(a) = k/k_end · a             negative linear  G(a) = (k_end − k)/k_end · a
 *   correct  G(a) = a if argmax p_s = y else 0
 *   sine     G(a) = (0.5 + 0.5·sin(2π f k/k_end + φ)) · a,  f ∈ [0, 1], φ ∈ [0, 3/4·2π]
 *   threshold G(a) = 1[max p_s > τ] · a    (FixMatch, τ = 0.95)
 */
import * as tf from '@tensorflow/tfjs-core';

export type GateName = 'through' | 'cutoff' | 'linear' | 'negativeLinear' | 'correct' | 'sine' | 'threshold';

export interface GateSpec {
  name: GateName;
  /** sine frequency f ∈ [0, 1] */
  f?: number;
  /** sine phase φ ∈ [0, 1.5π] */
  phi?: number;
  /** threshold τ ∈ (0, 1) */
  tau?: number;
}

export interface GateContext {
  /** current iteration k (0-based) */
  step: number;
  /** last iteration k_end */
  totalSteps: number;
  /** source-node probabilities [batch, classes] (stop-gradient); needed by correct / threshold */
  sourceProbs?: tf.Tensor2D;
  /** labels [batch] as class indices; needed by correct */
  labels?: tf.Tensor1D;
}

export const SINE_PHI_MAX = 1.5 * Math.PI;

/** the scalar factor of a time-only gate at step k, or undefined for data-dependent gates */
export function gateFactor(gate: GateSpec, step: number, totalSteps: number): number | undefined {
  const progress = totalSteps > 0 ? step / totalSteps : 0;
  switch (gate.name) {
    case 'through':
      return 1;
    case 'cutoff':
      return 0;
    case 'linear':
      return progress;
    case 'negativeLinear':
      return 1 - progress;
    case 'sine':
      return 0.5 + 0.5 * Math.sin(2 * Math.PI * (gate.f ?? 0) * progress + (gate.phi ?? Math.PI / 2));
    default:
      return undefined;
  }
}

/** Problems with a gate's options, as messages (empty when valid). */
export function gateProblems(gate: GateSpec): string[] {
  const problems: string[] = [];
  if (gate.name === 'sine') {
    if (gate.f == null) problems.push('a sine gate needs its frequency f (in [0, 1])');
    else if (!(gate.f >= 0 && gate.f <= 1)) problems.push(`sine frequency f must be in [0, 1], got ${gate.f}`);
    if (gate.phi == null) problems.push('a sine gate needs its phase phi (in [0, 3/4·2π])');
    else if (!(gate.phi >= 0 && gate.phi <= SINE_PHI_MAX + 1e-12)) problems.push(`sine phase φ must be in [0, 3/4·2π], got ${gate.phi}`);
  }
  if (gate.name === 'threshold' && gate.tau != null && !(gate.tau > 0 && gate.tau < 1)) problems.push(`threshold τ must be in (0, 1), got ${gate.tau}`);
  return problems;
}

/** Applies the gate to per-sample losses [batch]; returns gated per-sample losses [batch]. */
export function applyGate(gate: GateSpec, perSample: tf.Tensor1D, ctx: GateContext): tf.Tensor1D {
  return tf.tidy(() => {
    const factor = gateFactor(gate, ctx.step, ctx.totalSteps);
    if (factor !== undefined) return factor === 1 ? perSample.clone() : (tf.mul(perSample, factor) as tf.Tensor1D);
    if (!ctx.sourceProbs) throw new Error(`gate ${gate.name} needs the source node's probabilities`);
    if (gate.name === 'correct') {
      if (!ctx.labels) throw new Error('gate correct needs the labels');
      const mask = tf.cast(tf.equal(tf.argMax(ctx.sourceProbs, 1), tf.cast(ctx.labels, 'int32')), 'float32');
      return tf.mul(perSample, mask) as tf.Tensor1D;
    }
    if (gate.name === 'threshold') {
      const mask = tf.cast(tf.greater(tf.max(ctx.sourceProbs, 1), gate.tau ?? 0.95), 'float32');
      return tf.mul(perSample, mask) as tf.Tensor1D;
    }
    throw new Error(`unknown gate ${String(gate.name)}`);
  });
}
