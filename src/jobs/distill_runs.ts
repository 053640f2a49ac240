/**
 * Students distilled from stored graph jobs' trained nodes over seeds (thesis Table 4.9): each
 * (knowledge setting, seed) is one distillation job; finished ones are read back from the storage,
 * the rest run in local worker processes or on other machines' `ktg worker --jobs`. The teachers'
 * graph jobs must have finished in the same storage (a notebook trains them with trainGraphRun first).
 */
import { DistillEpoch } from '../graph/ensemble_distillation';
import { DistillJob, DistillJobInput, DistillJobResult, parseDistillJob } from './job';
import { runJobs, RunJobsOptions } from './run_jobs';

export interface DistillRunRequest {
  /** for people: e.g. "per-teacher probability, seed 5" */
  label: string;
  job: Omit<DistillJobInput, 'kind'>;
}

/** a stored distillation job's result as a run: the student's epochs as its history, its job, and whether it was reused */
export interface DistillRun extends Omit<DistillJobResult, 'epochs'> {
  label: string;
  job: DistillJob;
  history: DistillEpoch[];
  reused: boolean;
}

/** Runs (or reads back) every distillation job; results in the order of `requests`. */
export async function runDistillJobs(requests: DistillRunRequest[], options: Omit<RunJobsOptions, 'onEpoch'> = {}): Promise<DistillRun[]> {
  const jobs = requests.map((r) => ({ label: r.label, job: parseDistillJob({ ...r.job, kind: 'distill' }) }));
  const { outcomes } = await runJobs(jobs, { batch: 'distillation runs', ...options });
  return outcomes.map((o, i) => {
    const { epochs, ...result } = o.result as DistillJobResult;
    return { ...result, label: o.label, job: jobs[i].job, history: epochs, reused: o.reused };
  });
}
