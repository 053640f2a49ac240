/**
 * The semi-supervised baselines as graphs (thesis Fig 5.1–5.2): supervised only, Pi-model
 * (consistency self-loop), Pseudo-Label (pseudo-label self-loop), Mean Teacher (student + EMA node,
 * consistency from the EMA node), FixMatch (thresholded pseudo-label self-loop, τ = 0.95).
 */
import type { GraphSpecInput } from '../graph/spec';

interface Base {
  numClasses: number;
  inputShape: [number, number, number];
  model: string;
}

const node = (b: Base, role: 'target' | 'auxiliary' = 'target') => ({ model: b.model, role, seed: 1 });
const label = { source: 0, target: 1, loss: 'ce' as const, gate: { name: 'through' as const } };

export function supervisedGraph(b: Base): GraphSpecInput {
  return { numClasses: b.numClasses, inputShape: b.inputShape, nodes: [node(b)], edges: [label] };
}

export function piModelGraph(b: Base): GraphSpecInput {
  return { ...supervisedGraph(b), edges: [label, { source: 1, target: 1, loss: 'consistency', gate: { name: 'through' } }] };
}

export function pseudoLabelGraph(b: Base): GraphSpecInput {
  return { ...supervisedGraph(b), edges: [label, { source: 1, target: 1, loss: 'pseudo', gate: { name: 'through' } }] };
}

export function fixMatchGraph(b: Base): GraphSpecInput {
  return { ...supervisedGraph(b), edges: [label, { source: 1, target: 1, loss: 'pseudo-threshold', gate: { name: 'through' } }] };
}

export function meanTeacherGraph(b: Base): GraphSpecInput {
  return {
    numClasses: b.numClasses,
    inputShape: b.inputShape,
    nodes: [node(b), { model: b.model, role: 'auxiliary', seed: 2 }],
    edges: [label, { source: 1, target: 2, loss: 'ema', gate: { name: 'through' } }, { source: 2, target: 1, loss: 'consistency', gate: { name: 'through' } }],
  };
}
