/**
 * `ktg worker`: runs trials of a study until it is done, or (`--jobs`) stored jobs until none is left.
 * Started by `ktg search` / `runJobs` (events go to the parent over IPC) or by hand on each machine of
 * a distributed run (events are printed).
 */
import { initBackend } from '../backend';
import { openStorage } from '../search/storage/open';
import { runWorker, WorkerEvent } from '../search/worker';
import { formatValue } from './format';
import { JobEvent, runJobWorker } from '../jobs/job_worker';
import { jobResultText } from '../jobs/job';

export interface WorkerCommandOptions {
  storage: string;
  study?: string;
  /** run stored jobs (of `batch`, or any) instead of a study's trials */
  jobs?: boolean;
  batch?: string;
  lease: number;
  maxTrials?: number;
}

function print(e: WorkerEvent | JobEvent): void {
  if (e.kind === 'job-started') console.log(`job ${e.label} started (attempt ${e.attempt}, ${e.key.slice(0, 12)})`);
  if (e.kind === 'job-finished') console.log(`job ${e.label} ${e.status}${e.result ? `: ${jobResultText(e.result)}` : ''}${e.error ? ` — ${e.error}` : ''}`);
  if (e.kind === 'job-lost') console.log(`job ${e.label} was handed to another worker (lease lapsed); dropped here`);
  if (e.kind === 'trial-started') console.log(`trial ${e.number} started (attempt ${e.attempt}): ${e.summary.models}`);
  if (e.kind === 'trial-finished')
    console.log(`trial ${e.number} ${e.status} after ${e.epochs} epoch(s): ${formatValue(e.value)}${e.error ? ` — ${e.error}` : ''}`);
  if (e.kind === 'trial-lost') console.log(`trial ${e.number} was handed to another worker (lease lapsed); dropped here`);
}

export async function runWorkerCommand(o: WorkerCommandOptions): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // forked by `ktg search`: if the parent goes away, stop cleanly too — and quietly: its end of our
  // stdout/stderr is gone, so a write fails with EPIPE, which must not crash the worker mid-trial
  if (process.send) process.on('disconnect', stop);
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      stop();
    });
  }
  // an IPC send to a parent that was just killed fails asynchronously: with a callback the failure
  // comes here (stop) instead of as an unhandled 'error' event on the process (a crash with a stack dump)
  const send = process.send ? (e: WorkerEvent | JobEvent) => process.send!(e, undefined, {}, (err) => err && stop()) : print;
  await initBackend({ quiet: Boolean(process.send) });
  if (o.jobs === Boolean(o.study)) throw new Error('ktg worker: give either --study NAME (trials of a search) or --jobs (stored jobs)');
  const storage = openStorage(o.storage, { create: false });
  try {
    if (o.jobs) {
      const n = await runJobWorker(storage, {
        batch: o.batch,
        leaseMs: o.lease * 1000,
        maxJobs: o.maxTrials,
        signal: controller.signal,
        onEvent: (e) => process.connected !== false && e.kind !== 'job-epoch' && send(e),
      });
      if (!process.send) console.log(`worker done: ${n} job(s) finished${controller.signal.aborted ? ' (interrupted)' : ''}`);
      if (controller.signal.aborted) process.exitCode = 130;
      return;
    }
    const n = await runWorker(storage, o.study!, {
      leaseMs: o.lease * 1000,
      maxTrials: o.maxTrials,
      signal: controller.signal,
      onEvent: (e) => process.connected !== false && send(e),
    });
    if (!process.send) console.log(`worker done: ${n} trial(s) finished${controller.signal.aborted ? ' (interrupted)' : ''}`);
    if (controller.signal.aborted) process.exitCode = 130;
  } finally {
    await storage.close();
  }
}
