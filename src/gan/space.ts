/**
 * Gate search spaces over co-trained generators (paper 003 §4.3): k generators, every ordered pair
 * (s, t), s ≠ t, is a transfer edge whose gate is drawn from `gates` and whose representation
 * (generated images, input-side or output-side attention maps) from `transfers`; each generator's
 * adversarial edge gets a gate from `adversarialGates`. Sampling is seeded like classifier spaces.
 */
import { z } from 'zod';
import { Rng } from '../data/random';
import { DEFAULT_GATE, gateNameSchema, isContinuousGate, sampleGate } from '../gates';
import { ADVERSARIAL_LOSS, TransferSide } from '../losses';
import { GanGraphSpec } from '../graph/spec';
import { upgradeIds } from '../schema/ids';
import { issueLines } from '../schema/issues';
import { transferSides } from './cotraining';

export const ganSpaceSchema = z
  .object({
    kind: z.literal('gan'),
    name: z.string().default('gan-space'),
    generators: z.number().int().min(1).max(8),
    /** gate candidates for the transfer edges (paper: through, cutoff, linear, negative linear) */
    gates: z.array(gateNameSchema).min(1),
    /** gate candidates for each generator's adversarial edge (default: through only) */
    adversarialGates: z.array(gateNameSchema).min(1).default([DEFAULT_GATE.name]),
    /** what a transfer edge compares (one kind per study reproduces Fig 7's per-method boxes) */
    transfers: z
      .array(z.enum(transferSides as [TransferSide, ...TransferSide[]]))
      .min(1)
      .default(['images']),
    /** weight α of the transfer losses */
    alpha: z.number().positive().finite().default(1000),
  })
  .strict();

export type GanSpace = z.infer<typeof ganSpaceSchema>;
export type GanSpaceInput = z.input<typeof ganSpaceSchema>;

export function isGanSpace(space: unknown): space is GanSpace {
  return typeof space === 'object' && space !== null && (space as { kind?: unknown }).kind === 'gan';
}

export function parseGanSpace(input: unknown): GanSpace {
  const parsed = ganSpaceSchema.safeParse(upgradeIds(input));
  if (!parsed.success) throw new Error(`invalid GAN search space:\n  - ${issueLines(ganSpaceSchema, parsed.error, 'space').join('\n  - ')}`);
  return parsed.data;
}

/** number of discrete choices and the formula, e.g. "4^2 · 3^2" for 2 generators, 4 gates, 3 transfers */
export function ganSpaceSize(space: GanSpace): { discrete: number; continuous: boolean; formula: string } {
  const k = space.generators;
  const factors: [number, number][] = [
    [space.gates.length, k * (k - 1)],
    [space.transfers.length, k * (k - 1)],
    [space.adversarialGates.length, k],
  ].filter(([b, e]) => b > 1 && e > 0) as [number, number][];
  return {
    discrete: factors.reduce((p, [b, e]) => p * b ** e, 1),
    continuous: [...space.gates, ...space.adversarialGates].some(isContinuousGate),
    formula: factors.length ? factors.map(([b, e]) => (e === 1 ? `${b}` : `${b}^${e}`)).join(' · ') : '1',
  };
}

/** The GAN graph of one trial: deterministic in (space, seed). */
export function sampleCoGan(space: GanSpace, seed: number): GanGraphSpec {
  const rng = new Rng(seed);
  const k = space.generators;
  const edges: GanGraphSpec['edges'] = Array.from({ length: k }, (_, i) => ({
    source: 0,
    target: i + 1,
    loss: ADVERSARIAL_LOSS,
    gate: sampleGate(rng, space.adversarialGates),
  }));
  for (let t = 1; t <= k; t++) {
    for (let s = 1; s <= k; s++) {
      if (s === t) continue;
      const loss = space.transfers[rng.int(space.transfers.length)];
      edges.push({ source: s, target: t, loss, gate: sampleGate(rng, space.gates) });
    }
  }
  return { kind: 'gan', nodes: Array.from({ length: k }, () => ({ model: 'dcgan' as const })), edges, alpha: space.alpha };
}
