/**
 * Study storage: the one place workers coordinate through (Optuna's model). Every worker, on one
 * machine or many, claims trials, records per-epoch metrics and rung values, and reads the rung
 * records to decide pruning. Writes about a trial carry the claim (worker + attempt): a worker whose
 * trial was handed to another after its lease lapsed gets a LostTrialError and nothing of its is kept.
 */
import type { StudyConfig } from '../study_config';

/**
 * What a trial trains, as stored: opaque JSON that the study's kind parses (a knowledge transfer
 * graph for classifier and semi-supervised studies, a co-training graph for GAN studies). Read it
 * with `asGraphSpec` / `asCoGanSpec` (src/search/kinds), which also upgrade old id spellings.
 */
export type StoredSpec = Record<string, unknown>;

/** per-epoch metrics by name, each a list: e.g. accuracy per node, or IS and FID per generator */
export type NamedMetrics = Record<string, number[]>;

export type TrialStatus = 'waiting' | 'running' | 'completed' | 'pruned' | 'failed';
export const finishedStatuses: TrialStatus[] = ['completed', 'pruned', 'failed'];

export interface StudyRow {
  name: string;
  config: StudyConfig;
  createdAt: number;
}

export interface TrialRow {
  study: string;
  /** 0-based trial number; its graph and training seed follow from it */
  number: number;
  status: TrialStatus;
  seed: number;
  /** sampled graph, set once the trial starts */
  spec?: StoredSpec;
  worker?: string;
  /** 1 for the first run, +1 each time a lost trial is run again */
  attempt: number;
  startedAt?: number;
  finishedAt?: number;
  /** objective at the trial's last evaluation */
  value?: number;
  /** last epoch evaluated */
  lastEpoch?: number;
  error?: string;
}

export interface EpochRow {
  study: string;
  trial: number;
  epoch: number;
  /** the study's objective at this epoch */
  value: number;
  /**
   * the study kind's metrics (`kind.metrics` names them): classifier studies `accuracy` (per node),
   * `ensembleAccuracy`, `nodeLoss`, `edgeLoss`; GAN studies `is`, `fid` (per generator), `dLoss`, `gLoss`
   */
  metrics: NamedMetrics;
  seconds: number;
}

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
}

export interface Claim {
  number: number;
  attempt: number;
}

/** the study storage itself failed (unreachable, full, locked): not a property of the trial that was running */
export class StorageFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageFault';
  }
}

/** true for an error of the storage (a StorageFault, or any SQLite error: SQLITE_FULL, SQLITE_IOERR, …), false for a trial's own */
export function isStorageFault(err: unknown): boolean {
  if (err instanceof StorageFault) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** the claim no longer belongs to this worker (its lease lapsed and the trial went elsewhere) */
export class LostTrialError extends Error {
  constructor(study: string, number: number) {
    super(`trial ${number} of study "${study}" was handed to another worker`);
    this.name = 'LostTrialError';
  }
}

/**
 * A stored job: one unit of work outside a search (one graph trained with one seed, …), keyed by a
 * content hash of what it trains (src/jobs/job.ts). The storage keeps it opaque, like trial specs.
 */
export type StoredJob = Record<string, unknown>;
/** what a finished job produced (per-epoch metrics, final metrics, wall time, backend), opaque here */
export type StoredJobResult = Record<string, unknown>;

/** waiting → running → completed (a result, diverged runs included) or failed (an error, or its worker died twice) */
export type JobStatus = 'waiting' | 'running' | 'completed' | 'failed';

export interface JobRow {
  /** content hash of the job (the same key is the same work: its stored result is reused) */
  key: string;
  /** the set of jobs it was first submitted with, e.g. "ch3/cpu retraining" (for listing and for claiming within a set) */
  batch: string;
  /** what it is, for people: e.g. "vanilla, seed 3" */
  label: string;
  job: StoredJob;
  status: JobStatus;
  worker?: string;
  /** 1 for the first run, 2 for the one re-run after its worker died */
  attempt: number;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: StoredJobResult;
  error?: string;
}

/** a job handed to a worker: only this worker, with this attempt, may finish it */
export interface JobClaim {
  key: string;
  attempt: number;
}

export type JobClaimResult = { kind: 'job'; claim: JobClaim } | { kind: 'wait'; running: number } | { kind: 'done' };

/** the claim on a job no longer belongs to this worker (its lease lapsed and the job went elsewhere) */
export class LostJobError extends Error {
  constructor(key: string) {
    super(`job ${key.slice(0, 12)} was handed to another worker`);
    this.name = 'LostJobError';
  }
}

/** how often a job whose worker died is run again: once (its third loss marks it failed) */
export const JOB_ATTEMPTS = 2;

export type ClaimResult = { kind: 'trial'; claim: Claim } | { kind: 'wait'; running: number } | { kind: 'done' };

export interface StudyStorage {
  readonly url: string;
  /**
   * creates the study atomically, or returns the existing one unchanged; `created` says which (of two
   * processes creating one name at once, exactly one gets true)
   */
  createStudy(name: string, config: StudyConfig): Promise<StudyRow & { created: boolean }>;
  getStudy(name: string): Promise<StudyRow | undefined>;
  listStudies(): Promise<StudyRow[]>;
  /** renews the worker's lease; trials of workers whose lease lapsed are handed out again */
  heartbeat(worker: WorkerInfo, leaseMs: number): Promise<void>;
  /** forgets the worker (its running trials become waiting at once) */
  retireWorker(worker: WorkerInfo): Promise<void>;
  /** a waiting trial, else a new one while the budget allows, else "wait" (others still run) or "done" */
  claimTrial(study: string, worker: WorkerInfo, leaseMs: number): Promise<ClaimResult>;
  setTrialSpec(study: string, claim: Claim, worker: WorkerInfo, spec: StoredSpec): Promise<void>;
  recordEpoch(study: string, claim: Claim, worker: WorkerInfo, row: Omit<EpochRow, 'study' | 'trial'>): Promise<void>;
  /** records the trial's value at a rung and returns every value recorded there (its own included) */
  reportRung(study: string, claim: Claim, worker: WorkerInfo, rung: number, value: number): Promise<number[]>;
  finishTrial(
    study: string,
    claim: Claim,
    worker: WorkerInfo,
    result: { status: 'completed' | 'pruned' | 'failed'; value?: number; error?: string },
  ): Promise<void>;
  /** puts a failed trial back in the queue (its failure was the storage's, not its own); false when it is not failed */
  requeueTrial(study: string, number: number): Promise<boolean>;
  /** gives a running trial back (clean shutdown): it will be run again from scratch */
  releaseTrial(study: string, claim: Claim, worker: WorkerInfo): Promise<void>;
  trials(study: string): Promise<TrialRow[]>;
  /**
   * adds jobs not stored yet (waiting), puts failed ones of these keys back to waiting (an error is not
   * a result), moves waiting ones to this batch (its workers claim them), leaves completed and running
   * ones as they are; returns how many of them are completed
   */
  submitJobs(jobs: { key: string; batch: string; label: string; job: StoredJob }[]): Promise<{ completed: number }>;
  /**
   * a waiting job (of `batch` if given), else "wait" (jobs still run) or "done"; running jobs whose
   * worker's lease lapsed go back to waiting first, or to failed after JOB_ATTEMPTS attempts
   */
  claimJob(worker: WorkerInfo, leaseMs: number, batch?: string): Promise<JobClaimResult>;
  /** records the job's end while the claim holds (else LostJobError) */
  finishJob(claim: JobClaim, worker: WorkerInfo, end: { status: 'completed' | 'failed'; result?: StoredJobResult; error?: string }): Promise<void>;
  /** gives a running job back (clean shutdown): it waits again, its attempt not counted */
  releaseJob(claim: JobClaim, worker: WorkerInfo): Promise<void>;
  /** the jobs with these keys (in that order, missing ones left out), or all of a batch, or all */
  jobs(filter?: { keys?: string[]; batch?: string }): Promise<JobRow[]>;
  epochs(study: string): Promise<EpochRow[]>;
  close(): Promise<void>;
}
