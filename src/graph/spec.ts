/**
 * Knowledge transfer graph spec: JSON-serialisable, validated with zod for its shape and by hand
 * for its meaning. Node 0 is the labels; nodes 1..M are models (`nodes[i]` is node i + 1). Edge
 * s→t carries a per-sample loss of t's output against s's (stop-gradient) output, through a gate.
 *
 * A GAN graph (`kind: "gan"`, papers 003 / 000) is the same shape: node 0 is the shared
 * discriminator, nodes 1..k are generators, an edge 0 → t carries generator t's adversarial loss and
 * an edge s → t a transfer loss (images, input-side or output-side) — all losses of the registry,
 * all edges through gates, one parser, one error style and one diagram for both kinds.
 */
import { z } from 'zod';
import { DEFAULT_GATE, describeGate, gateBlocks, gateProblems, gateSchema } from '../gates';
import {
  ADVERSARIAL_LOSS,
  copiesSource,
  DEFAULT_LOSS,
  labelLosses,
  lossDefinition,
  lossNames,
  LossName,
  selfLoopLosses,
  semiSupervisedLosses,
  transferLosses,
} from '../losses/registry';
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
    /** a classifier graph (the default); GAN graphs say `kind: "gan"` */
    kind: z.literal('classifier').optional(),
    numClasses: z.number().int().min(2),
    inputShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    nodes: z
      .array(nodeSchema)
      .min(1)
      .max(MAX_MODEL_NODES, `at most ${MAX_MODEL_NODES} model nodes (training time and memory grow with the number of nodes and edges, up to (M+1)·M edges)`),
    edges: z.array(edgeSchema),
  })
  .strict();

/** generator architectures of GAN graphs (image size, width and z size come from the training options) */
export const generatorModels = ['dcgan'] as const;

export const generatorNodeSchema = z
  .object({
    model: z.enum(generatorModels).default('dcgan'),
    seed: z.number().int().optional(),
  })
  .strict();

export const ganGraphSchema = z
  .object({
    kind: z.literal('gan'),
    nodes: z.array(generatorNodeSchema).min(1).max(MAX_MODEL_NODES, `at most ${MAX_MODEL_NODES} generators`),
    edges: z.array(edgeSchema),
    /** weight α of the transfer losses (paper: 1000) */
    alpha: z.number().positive().finite().default(1000),
  })
  .strict();

export type GraphSpec = z.infer<typeof graphSchema>;
export type GraphSpecInput = z.input<typeof graphSchema>;
export type NodeSpec = z.infer<typeof nodeSchema>;
export type EdgeSpec = z.infer<typeof edgeSchema>;
/** a GAN graph: generators 1..k co-trained against one discriminator (node 0) */
export type GanGraphSpec = z.infer<typeof ganGraphSchema>;
export type GanGraphSpecInput = z.input<typeof ganGraphSchema>;
/** either kind of graph */
export type AnyGraphSpec = GraphSpec | GanGraphSpec;

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

export function nodeLabel(spec: AnyGraphSpec, index: number): string {
  if (spec.kind === 'gan') return index === 0 ? 'node 0 (discriminator)' : `node ${index} (${spec.nodes[index - 1]?.model ?? '?'} generator)`;
  return index === 0 ? 'node 0 (labels)' : `node ${index} (${shown(spec.nodes[index - 1]?.model ?? '?')})`;
}

export function edgeLabel(spec: AnyGraphSpec, e: EdgeSpec, i: number): string {
  if (spec.kind === 'gan') return `edge ${i} (${e.source}→${e.target}, ${e.loss})`;
  return `edge ${i} (${e.source}→${e.target}${e.target >= 1 && e.target <= spec.nodes.length ? `, ${shown(spec.nodes[e.target - 1].model)}` : ''})`;
}

/** what every graph's edges must satisfy: ends that exist, no edge into node 0, a valid gate, no duplicates */
function edgeProblems(spec: AnyGraphSpec): string[] {
  const problems: string[] = [];
  const m = spec.nodes.length;
  const seen = new Set<string>();
  spec.edges.forEach((e, i) => {
    const label = edgeLabel(spec, e, i);
    if (e.source < 0 || e.source > m) problems.push(`${label}: source ${e.source} does not exist (nodes 0..${m})`);
    if (e.target === 0) problems.push(`${label}: edges cannot point to ${nodeLabel(spec, 0)}`);
    else if (e.target < 0 || e.target > m) problems.push(`${label}: target ${e.target} does not exist (nodes 1..${m})`);
    for (const p of gateProblems(e.gate)) problems.push(`${label}: ${p}`);
    const key = `${e.source}->${e.target}`;
    if (seen.has(key)) problems.push(`${label}: duplicate edge ${key}`);
    seen.add(key);
  });
  return problems;
}

function validated<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(upgradeIds(input));
  if (!parsed.success) throw new GraphSpecError(issueLines(schema, parsed.error));
  return parsed.data;
}

/** which parser an input is for: `kind: "gan"` (or an old co-GAN spec's `generators`) is a GAN graph */
export function graphKindOf(input: unknown): 'gan' | 'classifier' {
  return typeof input === 'object' && input !== null && ((input as { kind?: unknown }).kind === 'gan' || 'generators' in input) ? 'gan' : 'classifier';
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

/** Parses and validates a classifier graph; throws GraphSpecError naming each offending node or edge. */
export function parseGraphSpec(input: unknown): GraphSpec {
  if (graphKindOf(input) === 'gan')
    throw new GraphSpecError(['this is a GAN graph (kind "gan"): train it with gan.trainCoGan, or read it with parseAnyGraphSpec']);
  const spec = validated(graphSchema, input);
  const problems: string[] = [];
  spec.nodes.forEach((n, i) => {
    if (!isModelName(n.model)) problems.push(`${nodeLabel(spec, i + 1)}: unknown model "${shown(n.model)}" (known: ${Object.keys(modelFactories).join(', ')})`);
  });
  const targets = spec.nodes.filter((n) => n.role === 'target').length;
  if (targets !== 1) problems.push(`exactly one node must have role "target", found ${targets}`);
  problems.push(...edgeProblems(spec));
  spec.edges.forEach((e, i) => {
    const label = edgeLabel(spec, e, i);
    if (lossDefinition(e.loss).data === 'generated') {
      problems.push(`${label}: loss "${e.loss}" is a GAN graph's (it compares generated images; write kind: "gan")`);
      return;
    }
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
    if (copiesSource(e.loss) && !gateBlocks(e.gate) && copyEdges(spec).filter((o) => o.target === e.target).length > 1)
      problems.push(`${label}: node ${e.target} is the EMA of more than one node`);
  });
  if (problems.length) throw new GraphSpecError(problems);
  return spec;
}

/**
 * The co-GAN spec of ktg ≤ 0.1 (`{ generators, adversarialGates?, edges: [{ source, target, kind,
 * gate }], alpha? }`, stored in older GAN studies) as a GAN graph; anything else is returned as is.
 */
export function upgradeCoGanSpec(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || !('generators' in input) || 'nodes' in input) return input;
  const { generators: k, adversarialGates, edges, ...rest } = input as { generators: unknown; adversarialGates?: unknown; edges?: unknown };
  if (!(Number.isInteger(k) && (k as number) >= 1)) throw new GraphSpecError([`generators: expected a whole number ≥ 1, got ${JSON.stringify(k)}`]);
  const gates = adversarialGates as unknown[] | undefined;
  if (gates !== undefined && (!Array.isArray(gates) || gates.length !== k))
    throw new GraphSpecError([`adversarialGates: needs ${k} gates, got ${Array.isArray(gates) ? gates.length : JSON.stringify(gates)}`]);
  const adversarial = Array.from({ length: k as number }, (_, i) => ({ source: 0, target: i + 1, loss: ADVERSARIAL_LOSS, gate: gates?.[i] ?? DEFAULT_GATE }));
  const transfers = Array.isArray(edges)
    ? edges.map((e) => {
        if (typeof e !== 'object' || e === null || !('kind' in e)) return e;
        const { kind, ...edge } = e as { kind: unknown };
        return { ...edge, loss: kind };
      })
    : edges;
  return {
    kind: 'gan',
    nodes: Array.from({ length: k as number }, () => ({ model: 'dcgan' })),
    ...(transfers === undefined ? {} : { edges: Array.isArray(transfers) ? [...adversarial, ...transfers] : transfers }),
    ...rest,
  };
}

/** Parses and validates a GAN graph (or an old co-GAN spec); throws GraphSpecError naming each offending node or edge. */
export function parseGanGraphSpec(input: unknown): GanGraphSpec {
  const spec = validated(ganGraphSchema, upgradeCoGanSpec(input));
  const problems = edgeProblems(spec);
  spec.edges.forEach((e, i) => {
    const label = edgeLabel(spec, e, i);
    const def = lossDefinition(e.loss);
    if (e.source === 0 && !def.fromDiscriminator)
      problems.push(`${label}: an edge from node 0 (the discriminator) carries the loss "${ADVERSARIAL_LOSS}", got "${e.loss}"`);
    if (e.source !== 0 && !(transferLosses as LossName[]).includes(e.loss))
      problems.push(`${label}: an edge between generators carries a transfer loss (${transferLosses.join(', ')}), got "${e.loss}"`);
    if (e.source !== 0 && e.source === e.target) problems.push(`${label}: a generator cannot transfer to itself`);
    if (e.temperature != null || e.crops != null) problems.push(`${label}: temperature and crops do not apply to GAN losses`);
  });
  spec.nodes.forEach((_, i) => {
    if (!spec.edges.some((e) => e.source === 0 && e.target === i + 1))
      problems.push(`${nodeLabel(spec, i + 1)}: no edge 0→${i + 1} with its adversarial loss (give it one; gate cutoff trains it by transfer alone)`);
  });
  if (problems.length) throw new GraphSpecError(problems);
  return spec;
}

/** Either kind of graph: `kind: "gan"` (or an old co-GAN spec) is a GAN graph, anything else a classifier graph. */
export function parseAnyGraphSpec(input: unknown): AnyGraphSpec {
  return graphKindOf(input) === 'gan' ? parseGanGraphSpec(input) : parseGraphSpec(input);
}

/** A readable multi-line summary. */
export function describeGraph(spec: AnyGraphSpec): string {
  if (spec.kind === 'gan') return describeGanGraph(spec);
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

/** one line per generator: its adversarial gate and incoming transfer edges */
function describeGanGraph(spec: GanGraphSpec): string {
  const transfers = spec.edges.filter((e) => e.source !== 0);
  const lines = [`GAN co-training: ${spec.nodes.length} generator(s), ${transfers.length} transfer edge(s), α = ${spec.alpha}`];
  spec.nodes.forEach((_, i) => {
    const t = i + 1;
    const adversarial = spec.edges.find((e) => e.source === 0 && e.target === t);
    const incoming = transfers.filter((e) => e.target === t).map((e) => `G${e.source}→G${t} ${e.loss} · ${describeGate(e.gate)}`);
    lines.push(`  G${t}: adversarial · ${adversarial ? describeGate(adversarial.gate) : 'none'}${incoming.length ? `; ${incoming.join('; ')}` : ''}`);
  });
  return lines.join('\n');
}
