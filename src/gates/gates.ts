/**
 * Applying, checking, sampling and naming gates: the operations every part of ktg uses, each read
 * from the gate's record in ./registry.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/random';
import { GateData, gateDefinition, GateName, GateSpec } from './registry';

export interface GateContext extends GateData {
  /** current iteration k (0-based) */
  step: number;
  /** last iteration k_end */
  totalSteps: number;
}

/** the scalar factor of a time-only gate at step k, or undefined for data-dependent gates */
export function gateFactor(gate: GateSpec, step: number, totalSteps: number): number | undefined {
  return gateDefinition(gate.name).factor?.(gate, totalSteps > 0 ? step / totalSteps : 0);
}

/** Problems with a gate's options, as messages (empty when valid). */
export function gateProblems(gate: GateSpec): string[] {
  return gateDefinition(gate.name).problems?.(gate) ?? [];
}

/** Applies the gate to per-sample losses [batch]; returns gated per-sample losses [batch]. */
export function applyGate(gate: GateSpec, perSample: tf.Tensor1D, ctx: GateContext): tf.Tensor1D {
  return tf.tidy(() => {
    const def = gateDefinition(gate.name);
    const factor = def.factor?.(gate, ctx.totalSteps > 0 ? ctx.step / ctx.totalSteps : 0);
    if (factor !== undefined) return factor === 1 ? perSample.clone() : (tf.mul(perSample, factor) as tf.Tensor1D);
    if (!ctx.sourceProbs) throw new Error(`gate ${gate.name} needs the source node's probabilities`);
    if (!def.weights) throw new Error(`gate ${gate.name} has neither a factor nor weights`);
    return tf.mul(perSample, def.weights(gate, { sourceProbs: ctx.sourceProbs, labels: ctx.labels })) as tf.Tensor1D;
  });
}

/** a gate drawn uniformly from the candidates, with its parameters drawn as its record says */
export function sampleGate(rng: Rng, candidates: readonly GateName[]): GateSpec {
  const name = candidates[rng.int(candidates.length)];
  return { name, ...gateDefinition(name).sample?.(rng) };
}

/** "sine(f=0.20, φ=1.00)", "threshold(τ=0.95)", "linear" — in summaries and diagrams */
export function describeGate(gate: GateSpec): string {
  const params = gateDefinition(gate.name).describe?.(gate);
  return params ? `${gate.name}(${params})` : gate.name;
}

/** the gate's colour in diagrams */
export function gateColour(gate: GateSpec): string {
  return gateDefinition(gate.name).colour;
}
