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
  epochs(study: string): Promise<EpochRow[]>;
  close(): Promise<void>;
}
