/**
 * A job worker: claims stored jobs (of one batch, or any), runs each, stores its result — the same
 * leases, heartbeats and storage-fault waits as the search workers (src/search/worker.ts). A job whose
 * worker dies is handed out again once; a clean stop (Ctrl-C, SIGTERM) gives the running job back.
 * A job that throws is recorded as failed with its error (a resubmission queues it again); a diverged
 * run is a result like any other.
 */
import { isStorageFault, JobClaim, LostJobError, StudyStorage, WorkerInfo } from '../search/storage/types';
import { runLeasedLoop } from '../search/worker';
import { checkJobPrecision, JobResult, parseJob } from './job';
import { runGraphJob } from './run_graph_job';
import { runTrialJob } from './run_trial_job';
import { runCoGanJob } from './run_cogan_job';
import { runGanJob } from './run_gan_job';
import { runDistillJob } from './run_distill_job';
import type { EpochMetrics } from '../training';

export type JobEvent =
  | { kind: 'job-started'; key: string; label: string; attempt: number }
  /** value: the target node's test accuracy (graph jobs) or the study's objective (trial jobs); co-GAN jobs report no epochs */
  | { kind: 'job-epoch'; key: string; label: string; epoch: number; value: number }
  | { kind: 'job-finished'; key: string; label: string; status: 'completed' | 'failed'; result?: JobResult; error?: string }
  | { kind: 'job-lost'; key: string; label: string }
  | { kind: 'idle'; running: number };

export interface JobWorkerOptions {
  /** only jobs of this batch (default: any) */
  batch?: string;
  id?: string;
  /** a job whose worker sent no heartbeat for this long is handed out again (default 120 s) */
  leaseMs?: number;
  /** stop after this many jobs */
  maxJobs?: number;
  signal?: AbortSignal;
  onEvent?: (e: JobEvent) => void;
  /** per-epoch metrics of a running graph job (in-process callers: progress bars) */
  onEpoch?: (label: string, m: EpochMetrics) => void;
  storageRetryMs?: number;
  storageBackoffMs?: number;
  log?: (line: string) => void;
}

/** Runs jobs until none is waiting or running (or maxJobs, or the signal). Returns how many it finished. */
export async function runJobWorker(storage: StudyStorage, options: JobWorkerOptions = {}): Promise<number> {
  const emit = options.onEvent ?? (() => undefined);
  return runLeasedLoop<JobClaim>(
    storage,
    {
      claim: async (worker, leaseMs) => {
        const next = await storage.claimJob(worker, leaseMs, options.batch);
        return next.kind === 'job' ? { kind: 'claimed', claim: next.claim } : next;
      },
      run: (claim, worker) => runClaimedJob(storage, claim, worker, options),
      release: (claim, worker) => storage.releaseJob(claim, worker),
      onIdle: (running) => emit({ kind: 'idle', running }),
    },
    { ...options, max: options.maxJobs },
  );
}

async function runClaimedJob(storage: StudyStorage, claim: JobClaim, worker: WorkerInfo, options: JobWorkerOptions): Promise<'finished' | 'lost' | 'aborted'> {
  const emit = options.onEvent ?? (() => undefined);
  const [row] = await storage.jobs({ keys: [claim.key] });
  const label = row?.label ?? claim.key.slice(0, 12);
  emit({ kind: 'job-started', key: claim.key, label, attempt: claim.attempt });
  let end: { status: 'completed' | 'failed'; result?: JobResult; error?: string };
  try {
    if (!row) throw new Error(`job ${claim.key} vanished from the storage`);
    const job = parseJob(row.job);
    checkJobPrecision(job, claim.key);
    const epoch = (e: number, value: number) => emit({ kind: 'job-epoch', key: claim.key, label, epoch: e, value });
    const result =
      job.kind === 'trial'
        ? await runTrialJob(job, { signal: options.signal, onEpoch: epoch })
        : job.kind === 'cogan'
          ? await runCoGanJob(job, { signal: options.signal })
          : job.kind === 'gan'
            ? await runGanJob(job, { signal: options.signal })
            : job.kind === 'distill'
              ? await runDistillJob(job, storage, { signal: options.signal })
              : await runGraphJob(job, {
                  signal: options.signal,
                  onEpoch: (m) => {
                    options.onEpoch?.(label, m);
                    epoch(m.epoch, m.accuracy[job.spec.nodes.findIndex((n) => n.role === 'target')]);
                  },
                });
    if (result === 'aborted') {
      await storage.releaseJob(claim, worker);
      return 'aborted';
    }
    end = { status: 'completed', result };
  } catch (err) {
    if (isStorageFault(err)) throw err;
    end = { status: 'failed', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  try {
    await storage.finishJob(claim, worker, { ...end, result: end.result as unknown as Record<string, unknown> | undefined });
  } catch (err) {
    if (err instanceof LostJobError) {
      emit({ kind: 'job-lost', key: claim.key, label });
      return 'lost';
    }
    throw err;
  }
  emit({ kind: 'job-finished', key: claim.key, label, ...end });
  return 'finished';
}
