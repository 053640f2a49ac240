/**
 * Runs a list of jobs through a study storage: each job is stored under its content key; the ones
 * already completed there are reused (and the run says so: "reused 2 of 5 runs"), the rest are run by
 * local worker processes (`ktg worker --jobs`), or in this process, and by any `ktg worker --jobs`
 * started on other machines against the same storage (Redis). A killed run, re-run, continues where
 * it stopped; a job running when its worker died is run again once, never counted twice.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLocalWorkers } from '../search/local_pool';
import { openStorage } from '../search/storage/open';
import { JobRow } from '../search/storage/types';
import { temporaryDir } from '../data/temporary';
import { GraphJobInput, Job, jobKey, JobResult, jobResultText, parseJob } from './job';
import { JobEvent, runJobWorker } from './job_worker';
import type { EpochMetrics } from '../training';

export interface JobRequest {
  /** for people: e.g. "vanilla, seed 3" */
  label: string;
  job: GraphJobInput | Job;
}

export interface JobOutcome {
  key: string;
  label: string;
  job: Job;
  /** a GraphJobResult for graph jobs, a TrialJobResult for trial jobs */
  result: JobResult;
  /** true when the result was in the storage before this call */
  reused: boolean;
}

export interface RunJobsOptions {
  /** study storage URL (sqlite:FILE, redis://…); default: a temporary SQLite file, removed afterwards (nothing is reused) */
  storage?: string;
  /** the name the jobs are stored under (listing, `ktg worker --jobs --batch`); default "jobs" */
  batch?: string;
  /** local worker processes (default: cores, at most the jobs to run); 0 runs the jobs in this process */
  workers?: number;
  /** progress lines (default console.log); false for none */
  log?: ((line: string) => void) | false;
  /** a line per finished job (default true; the reuse line is printed either way unless log is false) */
  perJob?: boolean;
  signal?: AbortSignal;
  onEvent?: (e: JobEvent) => void;
  /** in-process runs only: each epoch's metrics */
  onEpoch?: (label: string, m: EpochMetrics) => void;
  leaseMs?: number;
}

export interface JobsSummary {
  outcomes: JobOutcome[];
  reused: number;
  ran: number;
}

/** Runs the jobs (results in the order of `requests`); throws, naming them, when some failed. */
export async function runJobs(requests: JobRequest[], options: RunJobsOptions = {}): Promise<JobsSummary> {
  const log = options.log === false ? () => undefined : (options.log ?? ((line: string) => console.log(line)));
  const batch = options.batch ?? 'jobs';
  const jobs = requests.map((r) => {
    const job = parseJob(r.job);
    return { key: jobKey(job), batch, label: r.label, job };
  });
  const scratch = options.storage ? undefined : temporaryDir('ktg-jobs');
  const storageUrl = options.storage ?? `sqlite:${path.join(scratch!, 'jobs.db')}`;
  const storage = openStorage(storageUrl);
  try {
    const before = await storage.jobs({ keys: jobs.map((j) => j.key) });
    const done = new Set(before.filter((r) => r.status === 'completed').map((r) => r.key));
    await storage.submitJobs(jobs.map((j) => ({ ...j, job: j.job as unknown as Record<string, unknown> })));
    const unique = new Set(jobs.map((j) => j.key));
    const toRun = [...unique].filter((k) => !done.has(k)).length;
    if (options.storage) log(`[jobs] ${batch}: reused ${unique.size - toRun} of ${unique.size} runs (${shownUrl(storage.url)})`);
    if (toRun > 0) {
      const cores = os.availableParallelism?.() ?? os.cpus().length;
      const workers = Math.min(options.workers ?? cores, toRun);
      if (workers === 0) {
        await runJobWorker(storage, { batch, leaseMs: options.leaseMs, signal: options.signal, onEvent: options.onEvent, onEpoch: options.onEpoch });
      } else {
        const pool = await runLocalWorkers({
          storageUrl,
          jobBatch: batch,
          workers,
          leaseMs: options.leaseMs,
          signal: options.signal,
          onEvent: (_w, message) => {
            const e = message as JobEvent;
            if (e.kind === 'job-finished' && options.perJob !== false) log(`[jobs]   ${e.label}: ${finishedText(e)}`);
            options.onEvent?.(e);
          },
        });
        const crashed = pool.exitCodes.filter((c) => c !== 0);
        if (crashed.length && !pool.aborted) throw new Error(`${batch}: ${crashed.length} job worker(s) exited with ${crashed.join(', ')}`);
      }
    }
    const rows = new Map((await storage.jobs({ keys: [...unique] })).map((r) => [r.key, r]));
    const unfinished = jobs.filter((j) => rows.get(j.key)?.status !== 'completed');
    if (unfinished.length) throw new Error(unfinishedText(batch, unfinished, rows, options.signal?.aborted === true));
    return {
      outcomes: jobs.map((j) => ({
        key: j.key,
        label: j.label,
        job: j.job,
        result: rows.get(j.key)!.result as unknown as JobResult,
        reused: done.has(j.key),
      })),
      reused: unique.size - toRun,
      ran: toRun,
    };
  } finally {
    await storage.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** a SQLite storage's path relative to the working directory (no machine-specific paths in notebook outputs) */
function shownUrl(url: string): string {
  if (!url.startsWith('sqlite:')) return url;
  const file = url.slice('sqlite:'.length);
  return `sqlite:${path.isAbsolute(file) ? path.relative(process.cwd(), file) : file}`;
}

function finishedText(e: Extract<JobEvent, { kind: 'job-finished' }>): string {
  return e.status === 'failed' ? `failed: ${e.error}` : jobResultText(e.result);
}

function unfinishedText(batch: string, unfinished: { key: string; label: string }[], rows: Map<string, JobRow>, aborted: boolean): string {
  const lines = unfinished.map((j) => {
    const row = rows.get(j.key);
    return `  ${j.label}: ${row?.status ?? 'missing'}${row?.error ? ` — ${row.error}` : ''}`;
  });
  const why = aborted ? 'interrupted; the finished ones are stored and a re-run reuses them' : 'not completed';
  return `${batch}: ${unfinished.length} of the jobs ${why}:\n${lines.join('\n')}`;
}
