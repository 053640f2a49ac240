/**
 * Co-training scored as it goes (papers 003 / 000, Table 1): a GAN graph trained with every
 * generator scored (IS, FID under the metric classifier) after each period of `every` steps from one
 * fixed z, each generator reported at its highest IS as the paper does.
 */
import { ImageDataset } from '../data/dataset';
import { CoGanModels, CoGanOptions, trainCoGan } from './cotraining';
import { SampleScorer, scoreGenerators } from './quality';
import type { GanGraphSpecInput } from '../graph/spec';
import type { TrainStatus } from '../training';

export interface GeneratorPoint {
  /** steps done */
  step: number;
  /** 1-based generator */
  generator: number;
  is: number;
  isStd: number;
  fid: number;
}

export interface ScoredCoTraining {
  status: TrainStatus;
  error?: string;
  models: CoGanModels;
  /** each generator at its highest IS (index 0 = G1) */
  best: GeneratorPoint[];
  /** the best generator at its best */
  top: GeneratorPoint;
  /** every generator after every period */
  curve: GeneratorPoint[];
  /** per-period mean losses: discriminator, then each generator */
  losses: { step: number; dLoss: number; gLoss: number[] }[];
  steps: number;
  seconds: number;
}

export async function scoredCoTraining(
  spec: GanGraphSpecInput,
  data: ImageDataset,
  options: Omit<CoGanOptions, 'onEpoch'>,
  scorer: SampleScorer,
  scoring: { samples: number; seed: number },
): Promise<ScoredCoTraining> {
  const t0 = Date.now();
  const best: GeneratorPoint[] = [];
  const curve: GeneratorPoint[] = [];
  const result = await trainCoGan(spec, data, {
    ...options,
    onEpoch: (period, models) => {
      for (const s of scoreGenerators(models.generators, scorer, scoring)) {
        const point = { step: period.step, generator: s.generator, is: s.inceptionScore, isStd: s.inceptionScoreStd, fid: s.fid };
        curve.push(point);
        if (!best[s.generator - 1] || point.is > best[s.generator - 1].is) best[s.generator - 1] = point;
      }
    },
  });
  if (!best.length) throw new Error(`co-training ended before its first period was scored (status ${result.status}${result.error ? `: ${result.error}` : ''})`);
  const top = best.reduce((a, b) => (b.is > a.is ? b : a));
  return {
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
    models: result.models,
    best,
    top,
    curve,
    losses: result.history.map((p) => ({ step: p.step, dLoss: p.dLoss, gLoss: p.gLoss })),
    steps: result.steps,
    seconds: (Date.now() - t0) / 1000,
  };
}
