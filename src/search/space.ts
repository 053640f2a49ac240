/**
 * Search spaces as data (thesis §3.3): a fixed target node, per auxiliary node a model from a
 * candidate list, per edge (every ordered pair of model nodes plus the label edge into every node)
 * a gate from a candidate list — "sine" draws f ∈ [0, 1] and φ ∈ [0, 3/4·2π] — and, where the space
 * lists several, a loss design per model→model edge. Sampling is seeded: trial n of a study with
 * seed s always gets the same graph.
 */
import { z } from 'zod';
import { Rng } from '../data/random';
import { gateNameSchema, isContinuousGate, sampleGate } from '../gates';
import { GraphSpec, MAX_MODEL_NODES, parseGraphSpec } from '../graph/spec';
import { copiesSource, DEFAULT_LOSS, LABEL_LOSS, lossDefinition, lossNames, selfLoopLosses } from '../losses/registry';
import { upgradeIds } from '../schema/ids';
import { isModelName, modelFactories } from '../models/registry';
import { issueLines, shown } from '../schema/issues';
import { InputError } from '../input_error';

export const searchSpaceSchema = z
  .object({
    name: z.string().default('space'),
    /** nodes[0..]: node i + 1 of every sampled graph; exactly one has role "target" and one model */
    nodes: z
      .array(
        z
          .object({
            models: z.array(z.string()).min(1),
            role: z.enum(['target', 'auxiliary']).default('auxiliary'),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_MODEL_NODES, `at most ${MAX_MODEL_NODES} model nodes, as in graph specs (every sampled graph has one node per entry)`),
    /** gate candidates for every edge ("sine" samples its f and φ) */
    gates: z.array(gateNameSchema).min(1),
    /** gate candidates for the label edges 0→t (default: `gates`) */
    labelGates: z.array(gateNameSchema).min(1).optional(),
    /** loss designs for model→model edges (default: KL of probabilities) */
    losses: z.array(z.enum(lossNames)).min(1).default([DEFAULT_LOSS]),
    /** temperature for "kd" losses */
    temperature: z.number().positive().finite().default(2),
    /** window sizes around the source map's argmax for attention-map losses (thesis §4.3: 3, 5, 7 for ResNets) */
    crops: z.array(z.number().int().positive()).min(1).optional(),
    /** semi-supervised spaces (thesis Ch.5): a self-loop on every node with a loss from `selfLosses` */
    selfLoops: z.boolean().default(false),
    selfLosses: z
      .array(z.enum(selfLoopLosses as [(typeof selfLoopLosses)[number], ...(typeof selfLoopLosses)[number][]]))
      .min(1)
      .default([...selfLoopLosses]),
  })
  .strict();

export type SearchSpace = z.infer<typeof searchSpaceSchema>;
export type SearchSpaceInput = z.input<typeof searchSpaceSchema>;

export class SearchSpaceError extends InputError {
  constructor(readonly problems: string[]) {
    super(`invalid search space:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parses and validates a space; errors name the offending node or field. */
export function parseSearchSpace(input: unknown): SearchSpace {
  const parsed = searchSpaceSchema.safeParse(upgradeIds(input));
  if (!parsed.success) throw new SearchSpaceError(issueLines(searchSpaceSchema, parsed.error, 'space'));
  const space = parsed.data;
  const problems: string[] = [];
  space.nodes.forEach((n, i) => {
    for (const m of n.models)
      if (!isModelName(m)) problems.push(`node ${i + 1}: unknown model "${shown(m)}" (known: ${Object.keys(modelFactories).join(', ')})`);
    if (n.role === 'target' && n.models.length !== 1)
      problems.push(`node ${i + 1}: the target node's model is fixed, give exactly one (got ${n.models.length})`);
  });
  const ganLosses = space.losses.filter((l) => lossDefinition(l).data === 'generated');
  if (ganLosses.length) problems.push(`losses: "${ganLosses.join('", "')}" compare generated images: a GAN space says kind: "gan"`);
  const copying = space.losses.filter(copiesSource);
  if (copying.length > 0) {
    const models = new Set(space.nodes.flatMap((n) => n.models));
    if (models.size !== 1)
      problems.push(`losses: "${copying.join('", "')}" edges need one model for every node (an EMA copies its source), got ${[...models].join(', ')}`);
  }
  const targets = space.nodes.filter((n) => n.role === 'target').length;
  if (targets !== 1) problems.push(`exactly one node must have role "target", found ${targets}`);
  if (problems.length) throw new SearchSpaceError(problems);
  return space;
}

/** The edges of every graph of the space, in a fixed order: per target t, the label edge then every model source. */
export function spaceEdges(space: SearchSpace): { source: number; target: number }[] {
  const n = space.nodes.length;
  const edges: { source: number; target: number }[] = [];
  for (let t = 1; t <= n; t++) {
    edges.push({ source: 0, target: t });
    for (let s = 1; s <= n; s++) if (s !== t || space.selfLoops) edges.push({ source: s, target: t });
  }
  return edges;
}

export interface SpaceSize {
  /** number of distinct discrete choices (models × gates × losses) */
  discrete: number;
  /** true when a sine gate makes the space continuous */
  continuous: boolean;
  /** the size as a formula, e.g. "3^2 · 4^9" */
  formula: string;
}

/** Size of the space: M^(N−1)·G^(N²) for N nodes, M models per auxiliary node, G gates (thesis §3.3). */
export function spaceSize(space: SearchSpace): SpaceSize {
  const factors: [number, number][] = [];
  const add = (base: number, times: number) => {
    if (base <= 1 || times === 0) return;
    const hit = factors.find((f) => f[0] === base);
    if (hit) hit[1] += times;
    else factors.push([base, times]);
  };
  space.nodes.forEach((n) => add(n.models.length, 1));
  const edges = spaceEdges(space);
  const labelGates = space.labelGates ?? space.gates;
  add(labelGates.length, edges.filter((e) => e.source === 0).length);
  add(space.gates.length, edges.filter((e) => e.source !== 0).length);
  add(space.losses.length, edges.filter((e) => e.source !== 0 && e.source !== e.target).length);
  add(space.selfLosses.length, edges.filter((e) => e.source !== 0 && e.source === e.target).length);
  const discrete = factors.reduce((p, [b, e]) => p * b ** e, 1);
  return {
    discrete,
    continuous: [...space.gates, ...labelGates].some(isContinuousGate),
    formula: factors.length ? factors.map(([b, e]) => (e === 1 ? `${b}` : `${b}^${e}`)).join(' · ') : '1',
  };
}

export function describeSpaceSize(size: SpaceSize): string {
  const n = size.discrete.toLocaleString('en-US');
  return size.continuous ? `${size.formula} = ${n} discrete choices × continuous sine parameters` : `${size.formula} = ${n} graphs`;
}

/** The graph of one trial: deterministic in (space, seed). */
export function sampleGraph(space: SearchSpace, seed: number, data: { numClasses: number; inputShape: [number, number, number] }): GraphSpec {
  const rng = new Rng(seed);
  const nodes = space.nodes.map((n, i) => ({ model: n.models[rng.int(n.models.length)], role: n.role, seed: i + 1 }));
  const emaInto = new Set<number>();
  const edges = spaceEdges(space).map(({ source, target }) => {
    if (source === 0) return { source, target, loss: LABEL_LOSS, gate: sampleGate(rng, space.labelGates ?? space.gates) };
    if (source === target) return { source, target, loss: space.selfLosses[rng.int(space.selfLosses.length)], gate: sampleGate(rng, space.gates) };
    let loss = space.losses[rng.int(space.losses.length)];
    // a node can be the EMA of one node only: a second ema draw takes the next candidate
    if (copiesSource(loss) && emaInto.has(target)) loss = space.losses[(space.losses.indexOf(loss) + 1) % space.losses.length];
    if (copiesSource(loss)) emaInto.add(target);
    const def = lossDefinition(loss);
    return {
      source,
      target,
      loss,
      ...(def.needsTemperature ? { temperature: space.temperature } : {}),
      ...(def.usesMaps && space.crops ? { crops: space.crops } : {}),
      gate: sampleGate(rng, space.gates),
    };
  });
  return parseGraphSpec({ numClasses: data.numClasses, inputShape: data.inputShape, nodes, edges });
}
