/**
 * A search worker: claims trials from the study storage, samples each trial's graph from the space,
 * trains it on the training part of the search split, measures the objective on the validation part
 * after every epoch, and at each ASHA rung asks the shared rung records whether to go on. A NaN loss
 * or an exception of the trial's training fails the trial (with its error text) and the worker goes on
 * with the next one. A fault of the storage itself (Redis unreachable, a full disk under SQLite) is
 * never recorded as a failed trial: the worker waits for the storage with backoff, up to a printed
 * deadline, then gives the trial back to be run again (or, past the deadline, stops and leaves it to
 * the lease).
 */
import * as os from 'os';
import { subset } from '../data/dataset';
import { loadDataset } from '../data/registry';
import { labelledSplit, trainValidationSplit } from '../data/splits';
import { checkAshaOptions, promotable, rungAt } from './asha';
import { AnyStudyKind, kindOf, RecordEpoch, SearchData, TrialSpec } from './kinds';
import { StudyConfig, trialSeed } from './study_config';
import { Claim, isStorageFault, LostTrialError, StoredSpec, StudyStorage, WorkerInfo } from './storage/types';

export type { RecordEpoch, SearchData };
export { objective } from './kinds';

/** The search split of a study: validation carved out of the training set (seed 0), then the training subset. */
export async function loadSearchData(config: StudyConfig): Promise<SearchData> {
  const { train } = await loadDataset(config.dataset);
  const split = trainValidationSplit(train, config.validationSize, 0);
  const rest = split.train;
  if (config.trainSize > rest.labels.length)
    throw new Error(`trainSize ${config.trainSize} exceeds the ${rest.labels.length} training samples left after the validation split`);
  const trainPart =
    config.trainSize > 0
      ? subset(
          rest,
          Int32Array.from({ length: config.trainSize }, (_, i) => i),
          `${train.name}/search-train`,
        )
      : rest;
  const semi = config.semi ? labelledSplit(trainPart, config.semi.labelled, 0) : undefined;
  return { train: trainPart, validation: split.validation, numClasses: train.classes.length, inputShape: train.shape, semi };
}

export type WorkerEvent =
  | { kind: 'trial-started'; number: number; attempt: number; spec: TrialSpec; summary: { models: string; gates: string } }
  | { kind: 'epoch'; number: number; epoch: number; value: number }
  | { kind: 'trial-finished'; number: number; status: 'completed' | 'pruned' | 'failed'; value?: number; epochs: number; error?: string }
  | { kind: 'trial-lost'; number: number }
  | { kind: 'idle'; running: number };

export interface WorkerOptions {
  /** default: host:pid:random */
  id?: string;
  /** a trial whose worker sent no heartbeat for this long is handed out again (default 120 s) */
  leaseMs?: number;
  /** stop after this many trials (default: until the study is done) */
  maxTrials?: number;
  /** ends the worker between training steps; its running trial goes back to waiting */
  signal?: AbortSignal;
  onEvent?: (e: WorkerEvent) => void;
  /** a trial's training data (default: loadSearchData) — lets notebooks and tests pass data in memory */
  data?: SearchData;
  /** how long to wait for a failing storage before stopping (default 10 min); the wait is printed */
  storageRetryMs?: number;
  /** first pause between storage retries, doubling up to 30 s (default 1 s) */
  storageBackoffMs?: number;
  /** where the storage waits are reported (default console.warn) */
  log?: (line: string) => void;
}

/** Retries the storage (a heartbeat) with doubling pauses until it answers or `retryMs` has passed; throws then. */
export async function waitForStorage(
  storage: StudyStorage,
  worker: WorkerInfo,
  leaseMs: number,
  fault: unknown,
  options: Pick<WorkerOptions, 'storageRetryMs' | 'storageBackoffMs' | 'log' | 'signal'>,
): Promise<void> {
  const retryMs = options.storageRetryMs ?? 600_000;
  const log = options.log ?? ((line: string) => console.warn(line));
  const deadline = Date.now() + retryMs;
  let pause = options.storageBackoffMs ?? 1000;
  let last = fault;
  log(`[ktg] study storage ${storage.url} failed (${(fault as Error).message}); retrying for up to ${Math.round(retryMs / 1000)} s`);
  while (Date.now() < deadline && !options.signal?.aborted) {
    await sleep(Math.min(pause, Math.max(0, deadline - Date.now())), options.signal);
    pause = Math.min(2 * pause, 30_000);
    try {
      await storage.heartbeat(worker, leaseMs);
      log(`[ktg] study storage ${storage.url} answers again`);
      return;
    } catch (err) {
      if (!isStorageFault(err)) throw err;
      last = err;
    }
  }
  // an aborted worker ends as aborted workers do (its trial goes back when its lease lapses)
  if (options.signal?.aborted) return;
  throw new Error(
    `study storage ${storage.url} did not answer for ${Math.round(retryMs / 1000)} s (${(last as Error).message}); this worker stops, and its running trial will be run again`,
  );
}

export function workerInfo(id?: string): WorkerInfo {
  return { id: id ?? `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`, host: os.hostname(), pid: process.pid };
}

/** waits `ms`, or less when the signal aborts (the abort listener goes when the wait ends, so waiting loops do not pile them up) */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t: NodeJS.Timeout = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** what a leased worker loop claims and runs: trials of a study, or stored jobs */
export interface LeasedWork<C> {
  /** the next piece of work, else "wait" (others still run some) or "done" */
  claim(worker: WorkerInfo, leaseMs: number): Promise<{ kind: 'claimed'; claim: C } | { kind: 'wait'; running: number } | { kind: 'done' }>;
  /** runs it; "lost" when the claim went to another worker (not counted), "aborted" ends the loop */
  run(claim: C, worker: WorkerInfo): Promise<'finished' | 'lost' | 'aborted'>;
  /** gives it back to be run again from scratch (after a storage fault) */
  release(claim: C, worker: WorkerInfo): Promise<void>;
  onIdle(running: number): void;
}

/**
 * The loop every worker runs: a lease renewed by heartbeats, claims until done (staying while others
 * run, to take their work over if they die), and storage faults waited out with the claimed work
 * given back. Returns how many pieces of work it finished.
 */
export async function runLeasedLoop<C>(
  storage: StudyStorage,
  work: LeasedWork<C>,
  options: Pick<WorkerOptions, 'id' | 'leaseMs' | 'signal' | 'storageRetryMs' | 'storageBackoffMs' | 'log'> & { max?: number },
): Promise<number> {
  const worker = workerInfo(options.id);
  const leaseMs = options.leaseMs ?? 120_000;
  await storage.heartbeat(worker, leaseMs);
  let beatError: Error | undefined;
  const beat = setInterval(
    () => {
      storage.heartbeat(worker, leaseMs).catch((err: Error) => (beatError = err));
    },
    Math.max(50, leaseMs / 4),
  );
  let finished = 0;
  try {
    while (!options.signal?.aborted && (options.max === undefined || finished < options.max)) {
      let claim: C | undefined;
      try {
        if (beatError) throw beatError;
        const next = await work.claim(worker, leaseMs);
        if (next.kind === 'done') break;
        if (next.kind === 'wait') {
          // others are still running: stay to take over their work if they die
          work.onIdle(next.running);
          await sleep(Math.min(5000, leaseMs / 2), options.signal);
          continue;
        }
        claim = next.claim;
        const outcome = await work.run(claim, worker);
        if (outcome === 'aborted') break;
        if (outcome === 'finished') finished++;
      } catch (err) {
        if (!isStorageFault(err)) throw err;
        // the storage failed, not the work: wait for it, then give the work back to be run again from scratch
        await waitForStorage(storage, worker, leaseMs, err, options);
        beatError = undefined;
        if (claim !== undefined) await work.release(claim, worker).catch(() => undefined);
      }
    }
  } finally {
    clearInterval(beat);
    await storage.retireWorker(worker).catch(() => undefined);
  }
  return finished;
}

/** Runs trials until the study is done (or maxTrials, or the signal). Returns how many trials it finished. */
export async function runWorker(storage: StudyStorage, studyName: string, options: WorkerOptions = {}): Promise<number> {
  const study = await storage.getStudy(studyName);
  if (!study) throw new Error(`no study "${studyName}" in ${storage.url}`);
  const config = study.config;
  if (config.pruner.kind === 'asha') checkAshaOptions(config.pruner);
  const data = options.data ?? (await loadSearchData(config));
  const kind = kindOf(config);
  // once per worker, e.g. for GAN studies the metric classifier (trained once, cached on disk)
  const prepared = await kind.prepare(config, data);
  const emit = options.onEvent ?? (() => undefined);
  return runLeasedLoop<Claim>(
    storage,
    {
      claim: async (worker, leaseMs) => {
        const next = await storage.claimTrial(studyName, worker, leaseMs);
        return next.kind === 'trial' ? { kind: 'claimed', claim: next.claim } : next;
      },
      run: async (claim, worker) => {
        const outcome = await runTrial(storage, studyName, config, data, claim, worker, options, kind, prepared);
        if (outcome === 'lost') emit({ kind: 'trial-lost', number: claim.number });
        return outcome;
      },
      release: (claim, worker) => storage.releaseTrial(studyName, claim, worker),
      onIdle: (running) => emit({ kind: 'idle', running }),
    },
    { ...options, max: options.maxTrials },
  );
}

async function runTrial(
  storage: StudyStorage,
  study: string,
  config: StudyConfig,
  data: SearchData,
  claim: Claim,
  worker: WorkerInfo,
  options: WorkerOptions,
  kind: AnyStudyKind,
  prepared: unknown,
): Promise<'finished' | 'lost' | 'aborted'> {
  const emit = options.onEvent ?? (() => undefined);
  const seed = trialSeed(study, config, claim.number);
  let epochs = 0;
  let lastValue: number | undefined;
  try {
    const spec = kind.sample(kind.parseSpace(config.space), seed, data);
    await storage.setTrialSpec(study, claim, worker, { ...(spec as StoredSpec) });
    emit({ kind: 'trial-started', number: claim.number, attempt: claim.attempt, spec: spec as TrialSpec, summary: kind.summary(spec) });
    let pruned = false;
    const record: RecordEpoch = async (row) => {
      epochs = row.epoch;
      lastValue = row.value;
      await storage.recordEpoch(study, claim, worker, row);
      emit({ kind: 'epoch', number: claim.number, epoch: row.epoch, value: row.value });
      const rung = config.pruner.kind === 'asha' && row.epoch < config.epochs ? rungAt(config.pruner, row.epoch) : undefined;
      if (rung === undefined) return;
      const competing = await storage.reportRung(study, claim, worker, rung, row.value);
      if (!promotable(row.value, competing, config.pruner)) {
        pruned = true;
        return 'stop';
      }
    };
    const result = await kind.runTrial(spec, { config, data, seed, signal: options.signal, record }, prepared);
    if (result.status === 'aborted') {
      await storage.releaseTrial(study, claim, worker);
      return 'aborted';
    }
    const status = result.status === 'diverged' ? 'failed' : pruned ? 'pruned' : 'completed';
    await storage.finishTrial(study, claim, worker, { status, value: lastValue, error: result.error });
    emit({ kind: 'trial-finished', number: claim.number, status, value: lastValue, epochs, error: result.error });
    return 'finished';
  } catch (err) {
    if (err instanceof LostTrialError) return 'lost';
    // a storage fault is not the trial's: runWorker waits for the storage and the trial is run again
    if (isStorageFault(err)) throw err;
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    try {
      await storage.finishTrial(study, claim, worker, { status: 'failed', value: lastValue, error });
    } catch (e) {
      if (e instanceof LostTrialError) return 'lost';
      throw e;
    }
    emit({ kind: 'trial-finished', number: claim.number, status: 'failed', epochs, error });
    return 'finished';
  }
}
