/**
 * Single-GAN runs over seeds or objectives as stored jobs (papers 001 / 002): each (settings, seed)
 * is one GAN job; finished ones are read back from the storage (scores, losses and every snapshot's
 * generator), the rest run in local worker processes or on other machines' `ktg worker --jobs`.
 */
import { DcganGenerator } from '../gan/dcgan';
import { GanJobInput, GanJobResult, parseGanJob } from './job';
import { runJobs, RunJobsOptions } from './run_jobs';
import { restoreGanSnapshots } from './run_gan_job';

export interface GanRunRequest {
  /** for people: e.g. "conditional DCGAN, seed 3" */
  label: string;
  job: Omit<GanJobInput, 'kind'>;
}

/** a stored GAN job with its snapshots' generators rebuilt */
export interface GanRun extends Omit<GanJobResult, 'snapshots'> {
  label: string;
  snapshots: Array<Omit<GanJobResult['snapshots'][number], 'generator'> & { generator: DcganGenerator }>;
  reused: boolean;
}

/** Runs (or reads back) every GAN job; results in the order of `requests`. */
export async function runGanJobs(requests: GanRunRequest[], options: Omit<RunJobsOptions, 'onEpoch'> = {}): Promise<GanRun[]> {
  const jobs = requests.map((r) => ({ label: r.label, job: parseGanJob({ ...r.job, kind: 'gan' }) }));
  const { outcomes } = await runJobs(jobs, { batch: 'GAN runs', ...options });
  return outcomes.map((o, i) => {
    const result = o.result as GanJobResult;
    const generators = restoreGanSnapshots(jobs[i].job, result);
    return { ...result, label: o.label, snapshots: result.snapshots.map((s, j) => ({ ...s, generator: generators[j] })), reused: o.reused };
  });
}
