/**
 * Embedded study storage in one SQLite file (better-sqlite3, WAL mode): several worker processes
 * on one machine share it safely; claims run in IMMEDIATE transactions so two workers never get the
 * same trial.
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive } from '../../processes';
import { parseStoredStudyConfig, StudyConfig, trialSeed } from '../study_config';
import { legacyMetrics } from '../kinds/legacy_metrics';
import { parseStoredJson } from './epoch_format';
import {
  Claim,
  ClaimResult,
  EpochRow,
  JOB_ATTEMPTS,
  JobClaim,
  JobClaimResult,
  JobRow,
  JobStatus,
  LostJobError,
  LostTrialError,
  NamedMetrics,
  StoredJob,
  StoredJobResult,
  StoredSpec,
  StudyRow,
  StudyStorage,
  TrialRow,
  TrialStatus,
  WorkerInfo,
} from './types';

const schema = `
CREATE TABLE IF NOT EXISTS studies (name TEXT PRIMARY KEY, config TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, lease_until INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
  study TEXT NOT NULL, number INTEGER NOT NULL, status TEXT NOT NULL, spec TEXT, worker TEXT,
  attempt INTEGER NOT NULL DEFAULT 0, started_at INTEGER, finished_at INTEGER, value REAL, last_epoch INTEGER, error TEXT,
  PRIMARY KEY (study, number));
CREATE TABLE IF NOT EXISTS epochs (
  study TEXT NOT NULL, trial INTEGER NOT NULL, epoch INTEGER NOT NULL, value REAL, metrics TEXT NOT NULL, seconds REAL NOT NULL,
  PRIMARY KEY (study, trial, epoch));
CREATE TABLE IF NOT EXISTS rungs (study TEXT NOT NULL, rung INTEGER NOT NULL, trial INTEGER NOT NULL, value REAL, PRIMARY KEY (study, rung, trial));
CREATE TABLE IF NOT EXISTS jobs (
  key TEXT PRIMARY KEY, seq INTEGER NOT NULL, batch TEXT NOT NULL, label TEXT NOT NULL, job TEXT NOT NULL, status TEXT NOT NULL, worker TEXT,
  attempt INTEGER NOT NULL DEFAULT 0, submitted_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, result TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, batch, seq);
`;

interface JobRecord {
  key: string;
  seq: number;
  batch: string;
  label: string;
  job: string;
  status: JobStatus;
  worker: string | null;
  attempt: number;
  submitted_at: number;
  started_at: number | null;
  finished_at: number | null;
  result: string | null;
  error: string | null;
}

interface TrialRecord {
  study: string;
  number: number;
  status: TrialStatus;
  spec: string | null;
  worker: string | null;
  attempt: number;
  started_at: number | null;
  finished_at: number | null;
  value: number | null;
  last_epoch: number | null;
  error: string | null;
}

interface EpochRecord {
  study: string;
  trial: number;
  epoch: number;
  value: number | null;
  metrics: string;
  seconds: number;
}

/** an epochs table of ktg ≤ 0.1 (four fixed metric columns) */
interface LegacyEpochRecord extends Omit<EpochRecord, 'metrics'> {
  accuracy: string;
  ensemble_accuracy: number | null;
  node_loss: string;
  edge_loss: string;
}

/** Rewrites a ktg ≤ 0.1 epochs table into named metrics, in one transaction (before the schema runs; no table, nothing to do). */
function migrateEpochs(db: Database.Database): void {
  const columns = (db.prepare("SELECT name FROM pragma_table_info('epochs')").all() as { name: string }[]).map((c) => c.name);
  if (!columns.includes('accuracy')) return;
  db.transaction(() => {
    const configs = new Map(
      (db.prepare('SELECT name, config FROM studies').all() as { name: string; config: string }[]).map((r) => [r.name, JSON.parse(r.config) as unknown]),
    );
    const old = db.prepare('SELECT * FROM epochs').all() as LegacyEpochRecord[];
    db.exec('DROP TABLE epochs');
    db.exec(schema);
    const insert = db.prepare('INSERT INTO epochs (study, trial, epoch, value, metrics, seconds) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of old) {
      const metrics = legacyMetrics(configs.get(r.study), {
        accuracy: JSON.parse(r.accuracy) as number[],
        ensembleAccuracy: num(r.ensemble_accuracy),
        nodeLoss: JSON.parse(r.node_loss) as number[],
        edgeLoss: JSON.parse(r.edge_loss) as number[],
      });
      insert.run(r.study, r.trial, r.epoch, r.value, JSON.stringify(metrics), r.seconds);
    }
  }).immediate();
}

const num = (v: number | null): number => (v == null ? NaN : v);

export class SqliteStorage implements StudyStorage {
  private readonly db: Database.Database;

  constructor(
    readonly file: string,
    readonly url = `sqlite:${file}`,
    options: { create?: boolean } = {},
  ) {
    if (file !== ':memory:' && options.create === false && !fs.existsSync(file))
      throw new Error(`no study storage at ${url} (${path.resolve(file)} does not exist)`);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.db = new Database(file, { timeout: 60_000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      migrateEpochs(this.db);
      this.db.exec(schema);
    } catch (err) {
      throw new Error(`cannot open study storage ${url}: ${(err as Error).message}`);
    }
  }

  async createStudy(name: string, config: StudyConfig): Promise<StudyRow & { created: boolean }> {
    const { changes } = this.db
      .prepare('INSERT OR IGNORE INTO studies (name, config, created_at) VALUES (?, ?, ?)')
      .run(name, JSON.stringify(config), Date.now());
    return { ...(await this.getStudy(name))!, created: changes === 1 };
  }

  async getStudy(name: string): Promise<StudyRow | undefined> {
    const row = this.db.prepare('SELECT name, config, created_at FROM studies WHERE name = ?').get(name) as
      { name: string; config: string; created_at: number } | undefined;
    return row && { name: row.name, config: parseStoredStudyConfig(JSON.parse(row.config)), createdAt: row.created_at };
  }

  async listStudies(): Promise<StudyRow[]> {
    const rows = this.db.prepare('SELECT name FROM studies ORDER BY created_at').all() as { name: string }[];
    return Promise.all(rows.map(async (r) => (await this.getStudy(r.name))!));
  }

  async heartbeat(worker: WorkerInfo, leaseMs: number): Promise<void> {
    this.db
      .prepare('INSERT INTO workers (id, host, pid, lease_until) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET lease_until = excluded.lease_until')
      .run(worker.id, worker.host, worker.pid, Date.now() + leaseMs);
  }

  async retireWorker(worker: WorkerInfo): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("UPDATE trials SET status = 'waiting', worker = NULL WHERE worker = ? AND status = 'running'").run(worker.id);
      this.db.prepare('DELETE FROM workers WHERE id = ?').run(worker.id);
    })();
  }

  /** forgets workers of this host whose process is gone (their leases would lapse anyway, later) */
  private dropDeadLocalWorkers(): void {
    const host = os.hostname();
    const local = this.db.prepare('SELECT id, pid FROM workers WHERE host = ?').all(host) as { id: string; pid: number }[];
    const dead = local.filter((w) => !processAlive(w.pid)).map((w) => w.id);
    const drop = this.db.prepare('DELETE FROM workers WHERE id = ?');
    for (const id of dead) drop.run(id);
  }

  /** Running trials whose worker's lease lapsed, or whose worker process on this host is gone, go back to waiting. */
  private requeueLost(study: string): void {
    this.dropDeadLocalWorkers();
    this.db
      .prepare(
        `UPDATE trials SET status = 'waiting', worker = NULL
         WHERE study = ? AND status = 'running' AND (worker IS NULL OR worker NOT IN (SELECT id FROM workers WHERE lease_until >= ?))`,
      )
      .run(study, Date.now());
  }

  async claimTrial(study: string, worker: WorkerInfo, leaseMs: number): Promise<ClaimResult> {
    const row = await this.getStudy(study);
    if (!row) throw new Error(`no study "${study}" in ${this.url}`);
    await this.heartbeat(worker, leaseMs);
    const claim = this.db.transaction((): ClaimResult => {
      this.requeueLost(study);
      const waiting = this.db.prepare("SELECT number FROM trials WHERE study = ? AND status = 'waiting' ORDER BY number LIMIT 1").get(study) as
        { number: number } | undefined;
      let number: number;
      if (waiting) number = waiting.number;
      else {
        const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM trials WHERE study = ?').get(study) as { n: number };
        if (n >= row.config.trials) {
          const { r } = this.db.prepare("SELECT COUNT(*) AS r FROM trials WHERE study = ? AND status = 'running'").get(study) as { r: number };
          return r > 0 ? { kind: 'wait', running: r } : { kind: 'done' };
        }
        number = n;
        this.db.prepare("INSERT INTO trials (study, number, status, attempt) VALUES (?, ?, 'waiting', 0)").run(study, number);
      }
      // a re-run starts from scratch: the lost attempt's epochs and rung values are dropped
      this.db.prepare('DELETE FROM epochs WHERE study = ? AND trial = ?').run(study, number);
      this.db.prepare('DELETE FROM rungs WHERE study = ? AND trial = ?').run(study, number);
      this.db
        .prepare(
          "UPDATE trials SET status = 'running', worker = ?, attempt = attempt + 1, started_at = ?, finished_at = NULL, value = NULL, last_epoch = NULL, error = NULL WHERE study = ? AND number = ?",
        )
        .run(worker.id, Date.now(), study, number);
      const { attempt } = this.db.prepare('SELECT attempt FROM trials WHERE study = ? AND number = ?').get(study, number) as { attempt: number };
      return { kind: 'trial', claim: { number, attempt } };
    });
    return claim.immediate();
  }

  /** runs `write` only while the claim still holds */
  private owned<T>(study: string, claim: Claim, worker: WorkerInfo, write: () => T): T {
    return this.db
      .transaction(() => {
        const owner = this.db
          .prepare("SELECT 1 FROM trials WHERE study = ? AND number = ? AND worker = ? AND attempt = ? AND status = 'running'")
          .get(study, claim.number, worker.id, claim.attempt);
        if (!owner) throw new LostTrialError(study, claim.number);
        return write();
      })
      .immediate();
  }

  async setTrialSpec(study: string, claim: Claim, worker: WorkerInfo, spec: StoredSpec): Promise<void> {
    this.owned(study, claim, worker, () =>
      this.db.prepare('UPDATE trials SET spec = ? WHERE study = ? AND number = ?').run(JSON.stringify(spec), study, claim.number),
    );
  }

  async recordEpoch(study: string, claim: Claim, worker: WorkerInfo, row: Omit<EpochRow, 'study' | 'trial'>): Promise<void> {
    this.owned(study, claim, worker, () => {
      this.db
        .prepare('INSERT OR REPLACE INTO epochs (study, trial, epoch, value, metrics, seconds) VALUES (?, ?, ?, ?, ?, ?)')
        .run(study, claim.number, row.epoch, row.value, JSON.stringify(row.metrics), row.seconds);
      this.db.prepare('UPDATE trials SET value = ?, last_epoch = ? WHERE study = ? AND number = ?').run(row.value, row.epoch, study, claim.number);
    });
  }

  async reportRung(study: string, claim: Claim, worker: WorkerInfo, rung: number, value: number): Promise<number[]> {
    return this.owned(study, claim, worker, () => {
      this.db.prepare('INSERT OR REPLACE INTO rungs (study, rung, trial, value) VALUES (?, ?, ?, ?)').run(study, rung, claim.number, value);
      return (this.db.prepare('SELECT value FROM rungs WHERE study = ? AND rung = ?').all(study, rung) as { value: number | null }[]).map((r) => num(r.value));
    });
  }

  async finishTrial(
    study: string,
    claim: Claim,
    worker: WorkerInfo,
    result: { status: 'completed' | 'pruned' | 'failed'; value?: number; error?: string },
  ): Promise<void> {
    this.owned(study, claim, worker, () =>
      this.db
        .prepare('UPDATE trials SET status = ?, finished_at = ?, value = COALESCE(?, value), error = ? WHERE study = ? AND number = ?')
        .run(result.status, Date.now(), result.value ?? null, result.error ?? null, study, claim.number),
    );
  }

  async requeueTrial(study: string, number: number): Promise<boolean> {
    const { changes } = this.db
      .prepare("UPDATE trials SET status = 'waiting', worker = NULL WHERE study = ? AND number = ? AND status = 'failed'")
      .run(study, number);
    return changes === 1;
  }

  async releaseTrial(study: string, claim: Claim, worker: WorkerInfo): Promise<void> {
    this.db
      .prepare("UPDATE trials SET status = 'waiting', worker = NULL WHERE study = ? AND number = ? AND worker = ? AND attempt = ? AND status = 'running'")
      .run(study, claim.number, worker.id, claim.attempt);
  }

  async trials(study: string): Promise<TrialRow[]> {
    const config = (await this.getStudy(study))?.config;
    const rows = this.db.prepare('SELECT * FROM trials WHERE study = ? ORDER BY number').all(study) as TrialRecord[];
    return rows.map((r) => ({
      study: r.study,
      number: r.number,
      status: r.status,
      seed: config ? trialSeed(study, config, r.number) : r.number,
      spec: r.spec ? (JSON.parse(r.spec) as StoredSpec) : undefined,
      worker: r.worker ?? undefined,
      attempt: r.attempt,
      startedAt: r.started_at ?? undefined,
      finishedAt: r.finished_at ?? undefined,
      value: r.value ?? undefined,
      lastEpoch: r.last_epoch ?? undefined,
      error: r.error ?? undefined,
    }));
  }

  async epochs(study: string): Promise<EpochRow[]> {
    const rows = this.db.prepare('SELECT * FROM epochs WHERE study = ? ORDER BY trial, epoch').all(study) as EpochRecord[];
    return rows.map((r) => ({
      study: r.study,
      trial: r.trial,
      epoch: r.epoch,
      value: num(r.value),
      metrics: parseStoredJson<NamedMetrics>(r.metrics),
      seconds: r.seconds,
    }));
  }

  async submitJobs(jobs: { key: string; batch: string; label: string; job: StoredJob }[]): Promise<{ completed: number }> {
    return this.db
      .transaction(() => {
        const insert = this.db.prepare(
          "INSERT OR IGNORE INTO jobs (key, seq, batch, label, job, status, attempt, submitted_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, 'waiting', 0, ?)",
        );
        const retry = this.db.prepare("UPDATE jobs SET status = 'waiting', attempt = 0, error = NULL, worker = NULL WHERE key = ? AND status = 'failed'");
        // a job not run yet belongs to the batch that submitted it last (whose workers will claim it)
        const adopt = this.db.prepare("UPDATE jobs SET batch = ?, label = ? WHERE key = ? AND status = 'waiting'");
        const status = this.db.prepare('SELECT status FROM jobs WHERE key = ?');
        let completed = 0;
        for (const j of jobs) {
          insert.run(j.key, j.batch, j.label, JSON.stringify(j.job), Date.now());
          retry.run(j.key);
          adopt.run(j.batch, j.label, j.key);
          if ((status.get(j.key) as { status: JobStatus }).status === 'completed') completed++;
        }
        return { completed };
      })
      .immediate();
  }

  async claimJob(worker: WorkerInfo, leaseMs: number, batch?: string): Promise<JobClaimResult> {
    await this.heartbeat(worker, leaseMs);
    return this.db
      .transaction((): JobClaimResult => {
        this.dropDeadLocalWorkers();
        const live = 'SELECT id FROM workers WHERE lease_until >= ?';
        const now = Date.now();
        // a job whose worker died runs once more; a second loss fails it (a job that kills its worker must not loop)
        this.db
          .prepare(
            `UPDATE jobs SET status = 'failed', worker = NULL, finished_at = ?, error = 'its worker stopped before finishing it, ${JOB_ATTEMPTS} times'
             WHERE status = 'running' AND attempt >= ${JOB_ATTEMPTS} AND (worker IS NULL OR worker NOT IN (${live}))`,
          )
          .run(now, now);
        this.db.prepare(`UPDATE jobs SET status = 'waiting', worker = NULL WHERE status = 'running' AND (worker IS NULL OR worker NOT IN (${live}))`).run(now);
        const scope = batch === undefined ? '' : 'AND batch = ?';
        const args = batch === undefined ? [] : [batch];
        const next = this.db.prepare(`SELECT key FROM jobs WHERE status = 'waiting' ${scope} ORDER BY seq LIMIT 1`).get(...args) as { key: string } | undefined;
        if (!next) {
          const { r } = this.db.prepare(`SELECT COUNT(*) AS r FROM jobs WHERE status = 'running' ${scope}`).get(...args) as { r: number };
          return r > 0 ? { kind: 'wait', running: r } : { kind: 'done' };
        }
        this.db
          .prepare("UPDATE jobs SET status = 'running', worker = ?, attempt = attempt + 1, started_at = ?, finished_at = NULL, error = NULL WHERE key = ?")
          .run(worker.id, now, next.key);
        const { attempt } = this.db.prepare('SELECT attempt FROM jobs WHERE key = ?').get(next.key) as { attempt: number };
        return { kind: 'job', claim: { key: next.key, attempt } };
      })
      .immediate();
  }

  async finishJob(claim: JobClaim, worker: WorkerInfo, end: { status: 'completed' | 'failed'; result?: StoredJobResult; error?: string }): Promise<void> {
    const { changes } = this.db
      .prepare("UPDATE jobs SET status = ?, finished_at = ?, result = ?, error = ? WHERE key = ? AND worker = ? AND attempt = ? AND status = 'running'")
      .run(end.status, Date.now(), end.result ? JSON.stringify(end.result) : null, end.error ?? null, claim.key, worker.id, claim.attempt);
    if (changes !== 1) throw new LostJobError(claim.key);
  }

  async releaseJob(claim: JobClaim, worker: WorkerInfo): Promise<void> {
    this.db
      .prepare("UPDATE jobs SET status = 'waiting', worker = NULL, attempt = attempt - 1 WHERE key = ? AND worker = ? AND attempt = ? AND status = 'running'")
      .run(claim.key, worker.id, claim.attempt);
  }

  async jobs(filter: { keys?: string[]; batch?: string } = {}): Promise<JobRow[]> {
    let rows: JobRecord[];
    if (filter.keys) {
      const one = this.db.prepare('SELECT * FROM jobs WHERE key = ?');
      rows = filter.keys.map((k) => one.get(k) as JobRecord | undefined).filter((r): r is JobRecord => r !== undefined);
    } else if (filter.batch !== undefined) rows = this.db.prepare('SELECT * FROM jobs WHERE batch = ? ORDER BY seq').all(filter.batch) as JobRecord[];
    else rows = this.db.prepare('SELECT * FROM jobs ORDER BY seq').all() as JobRecord[];
    return rows.map((r) => ({
      key: r.key,
      batch: r.batch,
      label: r.label,
      job: JSON.parse(r.job) as StoredJob,
      status: r.status,
      worker: r.worker ?? undefined,
      attempt: r.attempt,
      submittedAt: r.submitted_at,
      startedAt: r.started_at ?? undefined,
      finishedAt: r.finished_at ?? undefined,
      result: r.result ? parseStoredJson<StoredJobResult>(r.result) : undefined,
      error: r.error ?? undefined,
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
