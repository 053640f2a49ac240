/**
 * Local parallelism: N worker processes (`ktg worker`, on a study's trials or on stored jobs) on this machine share one study storage;
 * each gets ⌊cores / N⌋ compute threads so the machine is not oversubscribed. The parent only
 * watches: it relays the workers' events and ends them cleanly on abort (their running trials go
 * back to waiting, so the next run picks them up).
 */
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface LocalPoolOptions {
  storageUrl: string;
  /** what the workers run: a study's trials, or the stored jobs of a batch */
  study?: string;
  jobBatch?: string;
  /** default: number of cores */
  workers?: number;
  /** compute threads per worker (default ⌊cores / workers⌋, at least 1) */
  threadsPerWorker?: number;
  leaseMs?: number;
  signal?: AbortSignal;
  /** the workers' events as they send them over IPC (WorkerEvent for trials, JobEvent for jobs) */
  onEvent?: (worker: number, message: unknown) => void;
  /** extra environment for the workers */
  env?: NodeJS.ProcessEnv;
}

/** the compiled CLI next to this module (dist/cli/ktg.js), or its TypeScript source under tsx */
export function cliEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, '..', 'cli', 'ktg.js');
  if (fs.existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(__dirname, '..', 'cli', 'ktg.ts'), execArgv: ['--import', 'tsx'] };
}

export interface PoolResult {
  /** exit code per worker (null when ended by a signal) */
  exitCodes: (number | null)[];
  aborted: boolean;
}

export async function runLocalWorkers(options: LocalPoolOptions): Promise<PoolResult> {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const n = Math.max(1, options.workers ?? cores);
  const threads = Math.max(1, options.threadsPerWorker ?? Math.floor(cores / n));
  const entry = cliEntry();
  // the storage URL goes through the environment, not argv: `ps` shows argv, and a Redis URL may hold a password
  if ((options.study === undefined) === (options.jobBatch === undefined)) throw new Error('runLocalWorkers: give either a study or a job batch');
  const args = options.study !== undefined ? ['worker', '--study', options.study] : ['worker', '--jobs', '--batch', options.jobBatch!];
  if (options.leaseMs) args.push('--lease', String(options.leaseMs / 1000));
  const children: ChildProcess[] = [];
  const exits = Array.from({ length: n }, (_, i) => {
    const child = fork(entry.file, args, {
      execArgv: entry.execArgv,
      env: { ...process.env, ...options.env, KTG_STORAGE: options.storageUrl, KTG_THREADS: String(threads), KTG_WORKER_INDEX: String(i) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    child.on('message', (m) => options.onEvent?.(i, m));
    return new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    });
  });
  let aborted = false;
  const stop = () => {
    aborted = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    return { exitCodes: await Promise.all(exits), aborted };
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}
