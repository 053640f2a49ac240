/**
 * `ktg worker`: runs trials of a study until it is done. Started by `ktg search` (events go to the
 * parent over IPC) or by hand on each machine of a distributed search (events are printed).
 */
import { initBackend } from '../backend';
import { openStorage } from '../search/storage/open';
import { runWorker, WorkerEvent } from '../search/worker';
import { formatValue } from './format';

export interface WorkerCommandOptions {
  storage: string;
  study: string;
  lease: number;
  maxTrials?: number;
}

function print(e: WorkerEvent): void {
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
  const send = process.send ? (e: WorkerEvent) => process.send!(e, undefined, {}, (err) => err && stop()) : print;
  await initBackend({ quiet: Boolean(process.send) });
  const storage = openStorage(o.storage, { create: false });
  try {
    const n = await runWorker(storage, o.study, {
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
