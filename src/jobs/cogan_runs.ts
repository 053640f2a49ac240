/**
 * GAN graphs co-trained over seeds as stored jobs (papers 003 / 000, Table 1): each (graph, seed) is
 * one co-GAN job; finished ones are read back from the storage (curves, best scores and the trained
 * generators), the rest run in local worker processes or on other machines' `ktg worker --jobs`. A
 * notebook killed mid-way, executed again, trains only what is missing.
 */
import { ScoredCoTraining } from '../gan/scored_cotraining';
import { CoGanJob, CoGanJobInput, CoGanJobResult, parseCoGanJob } from './job';
import { runJobs, RunJobsOptions } from './run_jobs';
import { restoreCoGanModels } from './run_cogan_job';

export interface CoGanRunRequest {
  /** for people: e.g. "MAD-GAN, seed 3" */
  label: string;
  job: Omit<CoGanJobInput, 'kind'>;
}

/** a stored co-GAN job as a scored run, its models rebuilt, plus the real images' IS it was scored against */
export interface CoGanRun extends ScoredCoTraining {
  label: string;
  realInceptionScore: number;
  reused: boolean;
}

export function restoreCoGanRun(label: string, job: CoGanJob, result: CoGanJobResult, reused: boolean): CoGanRun {
  return {
    label,
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
    models: restoreCoGanModels(job, result),
    best: result.best,
    top: result.top,
    curve: result.curve,
    losses: result.losses,
    steps: result.steps,
    seconds: result.seconds,
    realInceptionScore: result.realInceptionScore,
    reused,
  };
}

/** Runs (or reads back) every co-GAN job; results in the order of `requests`. */
export async function runCoGanJobs(requests: CoGanRunRequest[], options: Omit<RunJobsOptions, 'onEpoch'> = {}): Promise<CoGanRun[]> {
  const jobs = requests.map((r) => ({ label: r.label, job: parseCoGanJob({ ...r.job, kind: 'cogan' }) }));
  const { outcomes } = await runJobs(jobs, { batch: 'co-GAN runs', ...options });
  return outcomes.map((o, i) => restoreCoGanRun(o.label, jobs[i].job, o.result as CoGanJobResult, o.reused));
}
