/**
 * Knowledge transfer graph spec: JSON-serialisable, validated with zod for its shape and by hand
 * for its meaning. Node 0 is the labels; nodes 1..M are models (`nodes[i]` is node i + 1). Edge
 * s→t carries a per-sample loss of t's output against s's (stop-gradient) output, through a gate.
 */
import { z } from 'zod';
import { DEFAULT_GATE, describeGate, gateBlocks, gateProblems, gateSchema } from '../gates';
import { copiesSource, DEFAULT_LOSS, labelLosses, lossDefinition, lossNames, LossName, selfLoopLosses, semiSupervisedLosses } from '../losses/registry';
import { isModelName, modelFactories } from '../models/registry';
import { upgradeIds } from '../schema/ids';
import { issueLines, shown } from '../schema/issues';
import { InputError } from '../input_error';

export { gateSchema, semiSupervisedLosses };

export const nodeSchema = z
  .object({
    model: z.string(),
    role: z.enum(['target', 'auxiliary']).default('auxiliary'),
    /** start from (and, when every incoming edge is cut, stay frozen at) a label-only pretrained model */
    pretrained: z.boolean().default(false),
    seed: z.number().int().optional(),
  })
  .strict();

export const edgeSchema = z
  .object({
    source: z.number().int(),
    target: z.number().int(),
    /** an edge loss of the registry (src/losses/registry.ts: kl, ce, kd, dist, at, fsp, hint, map-pull, …) */
    loss: z.enum(lossNames).default(DEFAULT_LOSS),
    temperature: z.number().positive().finite().optional(),
    /** map losses: average over windows of these sizes around the source map's argmax (default: whole map) */
    crops: z.array(z.number().int().positive()).min(1).optional(),
    gate: gateSchema.default(DEFAULT_GATE),
  })
  .strict();

/** The documented cap on model nodes (the thesis' graphs have up to 7); edges are then at most 16·17 = 272. */
export const MAX_MODEL_NODES = 16;

export const graphSchema = z
  .object({
    numClasses: z.number().int().min(2),
    inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    nodes: z
      .array(nodeSchema)
      .min(1)
      .max(MAX_MODEL_NODES, `at most ${MAX_MODEL_NODES} model nodes (training time and memory grow with the number of nodes and edges, up to (M+1)·M edges)`),
    edges: z.array(edgeSchema),
  })
  .strict();

export type GraphSpec = z.infer<typeof graphSchema>;
export type GraphSpecInput = z.input<typeof graphSchema>;
export type NodeSpec = z.infer<typeof nodeSchema>;
export type EdgeSpec = z.infer<typeof edgeSchema>;

/** true when the graph needs unlabelled data */
export function isSemiSupervised(spec: GraphSpec): boolean {
  return spec.edges.some((e) => (semiSupervisedLosses as LossName[]).includes(e.loss));
}

/** active edges that make their target a copy (EMA) of their source */
export function copyEdges(spec: GraphSpec): EdgeSpec[] {
  return spec.edges.filter((e) => copiesSource(e.loss) && !gateBlocks(e.gate));
}

/** Nodes that are EMA copies of another node (an active ema edge into them). */
export function emaNodes(spec: GraphSpec): number[] {
  return [...new Set(copyEdges(spec).map((e) => e.target))];
}

export class GraphSpecError extends InputError {
  constructor(readonly problems: string[]) {
    super(`invalid knowledge transfer graph:\n  - ${problems.join('\n  - ')}`);
  }
}

export function nodeLabel(spec: GraphSpec, index: number): string {
  return index === 0 ? 'node 0 (labels)' : `node ${index} (${shown(spec.nodes[index - 1]?.model ?? '?')})`;
}

export function edgeLabel(spec: GraphSpec, e: EdgeSpec, i: number): string {
  return `edge ${i} (${e.source}→${e.target}${e.target >= 1 && e.target <= spec.nodes.length ? `, ${shown(spec.nodes[e.target - 1].model)}` : ''})`;
}

/** Nodes whose every incoming edge is cut (or that have none): they never learn. */
export function frozenNodes(spec: GraphSpec): number[] {
  const frozen: number[] = [];
  const ema = new Set(emaNodes(spec));
  spec.nodes.forEach((_, i) => {
    if (ema.has(i + 1)) return;
    const incoming = spec.edges.filter((e) => e.target === i + 1 && !copiesSource(e.loss));
    if (incoming.every((e) => gateBlocks(e.gate))) frozen.push(i + 1);
  });
  return frozen;
}

/** Parses and validates; throws GraphSpecError naming each offending node or edge. */
export function parseGraphSpec(input: unknown): GraphSpec {
  const parsed = graphSchema.safeParse(upgradeIds(input));
  if (!parsed.success) {
    throw new GraphSpecError(issueLines(graphSchema, parsed.error));
  }
  const spec = parsed.data;
  const problems: string[] = [];
  const m = spec.nodes.length;
  spec.nodes.forEach((n, i) => {
    if (!isModelName(n.model)) problems.push(`${nodeLabel(spec, i + 1)}: unknown model "${shown(n.model)}" (known: ${Object.keys(modelFactories).join(', ')})`);
  });
  const targets = spec.nodes.filter((n) => n.role === 'target').length;
  if (targets !== 1) problems.push(`exactly one node must have role "target", found ${targets}`);
  const seen = new Set<string>();
  spec.edges.forEach((e, i) => {
    const label = edgeLabel(spec, e, i);
    if (e.source < 0 || e.source > m) problems.push(`${label}: source ${e.source} does not exist (nodes 0..${m})`);
    if (e.target === 0) problems.push(`${label}: edges cannot point to node 0 (the labels)`);
    else if (e.target < 0 || e.target > m) problems.push(`${label}: target ${e.target} does not exist (nodes 1..${m})`);
    if (e.source === e.target && !(selfLoopLosses as LossName[]).includes(e.loss))
      problems.push(`${label}: a self-loop needs a semi-supervised loss (${selfLoopLosses.join(', ')}), got "${e.loss}"`);
    if (copiesSource(e.loss)) {
      if (e.source === 0 || e.source === e.target) problems.push(`${label}: an ema edge needs two different model nodes`);
      else if (spec.nodes[e.source - 1] && spec.nodes[e.target - 1] && spec.nodes[e.source - 1].model !== spec.nodes[e.target - 1].model)
        problems.push(`${label}: an ema edge needs the same model at both ends, got ${spec.nodes[e.source - 1].model} → ${spec.nodes[e.target - 1].model}`);
    }
    if (e.source === 0 && !lossDefinition(e.loss).fromLabels)
      problems.push(`${label}: the label node only supports loss ${labelLosses.map((l) => `"${l}"`).join('/')}, got "${e.loss}"`);
    if (lossDefinition(e.loss).needsTemperature && e.temperature == null) problems.push(`${label}: loss "${e.loss}" needs a temperature`);
    for (const p of gateProblems(e.gate)) problems.push(`${label}: ${p}`);
    if (copiesSource(e.loss) && !gateBlocks(e.gate) && copyEdges(spec).filter((o) => o.target === e.target).length > 1)
      problems.push(`${label}: node ${e.target} is the EMA of more than one node`);
    const key = `${e.source}->${e.target}`;
    if (seen.has(key)) problems.push(`${label}: duplicate edge ${key}`);
    seen.add(key);
  });
  if (problems.length) throw new GraphSpecError(problems);
  return spec;
}

/** A readable multi-line summary. */
export function describeGraph(spec: GraphSpec): string {
  const frozen = new Set(frozenNodes(spec));
  const ema = new Set(emaNodes(spec));
  const lines = [
    `knowledge transfer graph: ${spec.nodes.length} model node(s), ${spec.edges.length} edge(s), ${spec.numClasses} classes, input ${spec.inputShape.join('×')}`,
  ];
  spec.nodes.forEach((n, i) => {
    const tags = [n.role, n.pretrained || frozen.has(i + 1) ? 'pretrained' : '', frozen.has(i + 1) ? 'frozen' : '', ema.has(i + 1) ? 'EMA' : ''].filter(
      Boolean,
    );
    lines.push(`  node ${i + 1}: ${n.model} [${tags.join(', ')}]`);
  });
  spec.edges.forEach((e) => {
    lines.push(`  ${e.source} → ${e.target}: ${e.loss}${e.temperature ? `(T=${e.temperature})` : ''} · ${describeGate(e.gate)}`);
  });
  return lines.join('\n');
}
