/** Classic collaborative-learning methods written as knowledge transfer graphs. */
import { GraphSpec, GraphSpecInput, parseGraphSpec } from './spec';

interface Base {
  numClasses: number;
  inputShape: [number, number, number];
}

/** Hinton KD: a pretrained teacher (all incoming edges cut → frozen) teaches the student (node 1). */
export function kdGraph(b: Base & { student: string; teacher: string; temperature?: number }): GraphSpecInput {
  const t = b.temperature ?? 4;
  return {
    numClasses: b.numClasses,
    inputShape: b.inputShape,
    nodes: [
      { model: b.student, role: 'target' },
      { model: b.teacher, pretrained: true },
    ],
    edges: [
      { source: 0, target: 1, loss: 'ce', gate: { name: 'through' } },
      { source: 2, target: 1, loss: 'kd', temperature: t, gate: { name: 'through' } },
      { source: 1, target: 2, loss: 'kl', gate: { name: 'cutoff' } },
      { source: 0, target: 2, loss: 'ce', gate: { name: 'cutoff' } },
    ],
  };
}

/** Deep mutual learning: every node learns from the labels and from every other node. */
export function dmlGraph(b: Base & { models: string[] }): GraphSpecInput {
  const edges: GraphSpecInput['edges'] = [];
  b.models.forEach((_, i) => {
    edges.push({ source: 0, target: i + 1, loss: 'ce', gate: { name: 'through' } });
    b.models.forEach((__, j) => {
      if (i !== j) edges.push({ source: j + 1, target: i + 1, loss: 'kl', gate: { name: 'through' } });
    });
  });
  return {
    numClasses: b.numClasses,
    inputShape: b.inputShape,
    nodes: b.models.map((model, i) => ({ model, role: i === 0 ? 'target' : 'auxiliary', seed: i })),
    edges,
  };
}

/** A single model trained with labels only. */
export function vanillaGraph(b: Base & { model: string }): GraphSpecInput {
  return {
    numClasses: b.numClasses,
    inputShape: b.inputShape,
    nodes: [{ model: b.model, role: 'target' }],
    edges: [{ source: 0, target: 1, loss: 'ce', gate: { name: 'through' } }],
  };
}

/** The same graph with every gate replaced (thesis Fig 3.9: optimized gates vs all through). */
export function withEveryGate(spec: GraphSpecInput | GraphSpec, gate: GraphSpec['edges'][number]['gate']): GraphSpec {
  const parsed = parseGraphSpec(spec);
  return parseGraphSpec({
    ...parsed,
    nodes: parsed.nodes.map((n) => ({ ...n, pretrained: false })),
    edges: parsed.edges.map((e) => ({ ...e, gate: { ...gate } })),
  });
}

/** The graph's models and edges for another dataset (thesis Table 3.4: searched graphs on other data). */
export function forDataset(spec: GraphSpecInput | GraphSpec, data: Base): GraphSpec {
  return parseGraphSpec({ ...parseGraphSpec(spec), numClasses: data.numClasses, inputShape: data.inputShape });
}
