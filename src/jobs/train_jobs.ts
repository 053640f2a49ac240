/**
 * Retraining several graphs (the searched ones and the baselines) over several seeds — how the
 * thesis' tables are filled. Every (graph, seed) is one stored job (src/jobs/run_jobs.ts): with a
 * storage, a re-run reuses what finished and workers on other machines can share the work; local
 * jobs run concurrently in worker processes of ⌊cores / workers⌋ threads each.
 */
import { meanStdText, RepeatedResult, SeedRun, summariseRuns } from '../graph/repeat';
import { GraphSpec, GraphSpecInput, parseGraphSpec } from '../graph/spec';
import type { PresetName } from '../presets';
import { GraphJob, GraphJobResult } from './job';
import { JobOutcome, JobRequest, runJobs, RunJobsOptions } from './run_jobs';
import { trainPresets } from './train_presets';

export interface TrainJob {
  name: string;
  spec: GraphSpecInput | GraphSpec;
  dataset: string;
  /** how many seeds (0, 1, …, n-1), or the seeds themselves (e.g. fresh ones fixed in advance) */
  seeds: number | number[];
  epochs: number;
  trainSize: number;
  testSize: number;
  batchSize: number;
  learningRate: number;
  /** schedule and augmentation of `ktg train --preset` */
  preset: PresetName;
  /** semi-supervised graphs: labelled images of the training subset and batch sizes */
  semi?: { labelled: number; labelledBatch: number; unlabelledBatch: number };
}

export interface TrainJobResult extends RepeatedResult {
  name: string;
  /** training time summed over the seeds */
  seconds: number;
  /** seeds whose stored result was reused */
  reused: number;
}

export function seedList(seeds: number | number[]): number[] {
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i) : seeds;
}

/** the stored jobs of one TrainJob: one per seed */
export function graphJobsOf(t: TrainJob): JobRequest[] {
  const p = trainPresets[t.preset];
  const spec = parseGraphSpec(t.spec);
  return seedList(t.seeds).map((seed) => {
    const job: GraphJob = {
      kind: 'graph',
      spec,
      dataset: t.dataset,
      trainSize: t.trainSize,
      testSize: t.testSize,
      seed,
      epochs: t.epochs,
      batchSize: t.batchSize,
      learningRate: t.learningRate,
      schedule: p.schedule,
      milestones: p.milestones,
      augmentation: p.augmentation,
      ...(t.semi ? { semi: t.semi } : {}),
    };
    return { label: `${t.name}, seed ${seed}`, job };
  });
}

/** a graph job's outcome as one seed of a RepeatedResult */
export function seedRunOf(o: JobOutcome): SeedRun {
  const r = o.result as GraphJobResult;
  return {
    seed: o.job.seed,
    status: r.status,
    accuracy: r.accuracy,
    ensembleAccuracy: r.ensembleAccuracy,
    targetAccuracy: r.targetAccuracy,
    seconds: r.seconds,
    ...(r.error ? { error: r.error } : {}),
  };
}

/**
 * Runs every graph over its seeds and returns per-graph results in the order of `jobs`.
 * `workers`: local worker processes (default: cores); `storage`: where jobs and results are kept
 * (default: a temporary file, so nothing is reused).
 */
export async function runTrainJobs(jobs: TrainJob[], options: Omit<RunJobsOptions, 'onEpoch'> = {}): Promise<TrainJobResult[]> {
  const perJob = jobs.map(graphJobsOf);
  const { outcomes } = await runJobs(perJob.flat(), { batch: 'retraining', perJob: false, ...options });
  const results: TrainJobResult[] = [];
  let at = 0;
  for (const [i, t] of jobs.entries()) {
    const mine = outcomes.slice(at, at + perJob[i].length);
    at += perJob[i].length;
    const runs = mine.map(seedRunOf);
    const result = { name: t.name, ...summariseRuns(runs), seconds: runs.reduce((s, r) => s + r.seconds, 0), reused: mine.filter((o) => o.reused).length };
    results.push(result);
    if (options.log !== false) (options.log ?? console.log)(`  ${t.name.padEnd(24)} ${meanStdText(result)} %  (${result.seconds.toFixed(0)} s)`);
  }
  return results;
}
