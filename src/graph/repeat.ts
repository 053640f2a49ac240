/** The same graph trained with several seeds: per-seed test accuracies and mean ± std (thesis tables). */
import { ImageDataset } from '../data/dataset';
import { GraphSpec, GraphSpecInput, parseGraphSpec } from './spec';
import { disposeModels, EpochMetrics, trainGraph, TrainOptions, TrainResult } from './trainer';

export interface SeedRun {
  seed: number;
  status: string;
  /** final test accuracy per node */
  accuracy: number[];
  ensembleAccuracy: number;
  targetAccuracy: number;
  seconds: number;
  /** why the run diverged */
  error?: string;
}

export interface RepeatedResult {
  runs: SeedRun[];
  /** target-node test accuracy in %, over the completed runs */
  mean: number;
  std: number;
}

/** mean and sample standard deviation */
export function meanStd(values: number[]): { mean: number; std: number } {
  if (!values.length) return { mean: NaN, std: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
}

/** "72.31 ± 0.45" from a mean and a standard deviation */
export function meanStdText(r: { mean: number; std: number }, digits = 2): string {
  return `${r.mean.toFixed(digits)} ± ${r.std.toFixed(digits)}`;
}

export function summariseRuns(runs: SeedRun[]): RepeatedResult {
  return { runs, ...meanStd(runs.filter((r) => r.status === 'completed').map((r) => 100 * r.targetAccuracy)) };
}

/** Runs `run` for each seed (stops at an abort) and summarises the target node's final accuracies. */
export async function repeatOverSeeds(spec: GraphSpec, seeds: number[], run: (seed: number) => Promise<TrainResult>): Promise<RepeatedResult> {
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  const runs: SeedRun[] = [];
  for (const seed of seeds) {
    const t0 = Date.now();
    const result = await run(seed);
    disposeModels(result);
    if (result.status === 'aborted') break;
    const last = result.history[result.history.length - 1];
    runs.push({
      seed,
      status: result.status,
      accuracy: last?.accuracy ?? [],
      ensembleAccuracy: last?.ensembleAccuracy ?? NaN,
      targetAccuracy: last?.accuracy[target] ?? NaN,
      seconds: (Date.now() - t0) / 1000,
      ...(result.error ? { error: result.error } : {}),
    });
  }
  return summariseRuns(runs);
}

export async function trainOverSeeds(
  input: GraphSpecInput | GraphSpec,
  data: { train: ImageDataset; test: ImageDataset },
  options: Omit<TrainOptions, 'seed' | 'onEpoch'>,
  seeds: number[],
  hooks: { onEpoch?: (seed: number, m: EpochMetrics) => void } = {},
): Promise<RepeatedResult> {
  const spec = parseGraphSpec(input);
  return repeatOverSeeds(spec, seeds, (seed) => trainGraph(spec, data, { ...options, seed, onEpoch: (m) => hooks.onEpoch?.(seed, m) }));
}
