/**
 * Shared study storage on a Redis server (ioredis), for workers on many machines. Claims and every
 * write about a trial run as Lua scripts, so they are atomic on the server: a trial is handed to one
 * worker at a time, and a worker whose lease lapsed (no heartbeat: killed, frozen, cut off) loses
 * its trial, which the next claim hands out again.
 *
 * Keys: ktg:studies (hash name → study), ktg:worker:<id> (lease, expires), and per study
 * ktg:study:<name>:{count, waiting, running, trial:<n>, epochs:<n>, rung:<k>, rungs:<n>}. Jobs:
 * ktg:job:<key> (hash), ktg:jobs:seq (counter), ktg:jobs:all and ktg:jobs:batch:<batch> (sorted by
 * submission), ktg:jobs:waiting (sorted), ktg:jobs:running (set).
 */
import Redis from 'ioredis';
import { parseStoredStudyConfig, StudyConfig, trialSeed } from '../study_config';
import { legacyMetrics } from '../kinds/legacy_metrics';
import { LegacyEpochColumns, parseStoredJson } from './epoch_format';
import { redactStorageUrl } from './redact';
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
  StoredJob,
  StoredJobResult,
  StorageFault,
  NamedMetrics,
  StoredSpec,
  StudyRow,
  StudyStorage,
  TrialRow,
  TrialStatus,
  WorkerInfo,
} from './types';

/** ARGV: study prefix, worker id, budget, now → {number, attempt} | {-1, running} */
const claimScript = `
local p, worker, budget, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
for _, n in ipairs(redis.call('SMEMBERS', p .. ':running')) do
  local owner = redis.call('HGET', p .. ':trial:' .. n, 'worker')
  if (not owner) or redis.call('EXISTS', 'ktg:worker:' .. owner) == 0 then
    redis.call('SREM', p .. ':running', n)
    redis.call('ZADD', p .. ':waiting', tonumber(n), n)
    redis.call('HSET', p .. ':trial:' .. n, 'status', 'waiting')
    redis.call('HDEL', p .. ':trial:' .. n, 'worker')
  end
end
local n
local first = redis.call('ZRANGE', p .. ':waiting', 0, 0)
if #first > 0 then
  n = first[1]
  redis.call('ZREM', p .. ':waiting', n)
else
  local count = tonumber(redis.call('GET', p .. ':count') or '0')
  if count >= budget then return {-1, redis.call('SCARD', p .. ':running')} end
  n = tostring(count)
  redis.call('SET', p .. ':count', count + 1)
end
local key = p .. ':trial:' .. n
for _, r in ipairs(redis.call('SMEMBERS', p .. ':rungs:' .. n)) do redis.call('HDEL', p .. ':rung:' .. r, n) end
redis.call('DEL', p .. ':rungs:' .. n, p .. ':epochs:' .. n)
redis.call('HDEL', key, 'finished', 'value', 'lastEpoch', 'error', 'spec')
local attempt = redis.call('HINCRBY', key, 'attempt', 1)
redis.call('HSET', key, 'number', n, 'status', 'running', 'worker', worker, 'started', now)
redis.call('SADD', p .. ':running', n)
return {tonumber(n), attempt}
`;

/** ARGV: study prefix, trial number → 1 when the failed trial went back to waiting, else 0 */
const requeueScript = `
local p, n = ARGV[1], ARGV[2]
local key = p .. ':trial:' .. n
if redis.call('HGET', key, 'status') ~= 'failed' then return 0 end
redis.call('HSET', key, 'status', 'waiting')
redis.call('HDEL', key, 'worker')
redis.call('ZADD', p .. ':waiting', tonumber(n), n)
return 1
`;

/** ARGV: trial key, worker id, attempt, JSON list of commands → result of the last command, or error LOST */
const ownedScript = `
local key, worker, attempt = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', key, 'worker') ~= worker or redis.call('HGET', key, 'attempt') ~= attempt or redis.call('HGET', key, 'status') ~= 'running' then
  return redis.error_reply('LOST')
end
local result
for _, cmd in ipairs(cjson.decode(ARGV[4])) do result = redis.call(unpack(cmd)) end
return result
`;

/** ARGV: now, then (key, batch, label, job JSON) × n → how many of them are completed */
const submitJobsScript = `
local now, completed = ARGV[1], 0
for i = 2, #ARGV, 4 do
  local key, batch = ARGV[i], ARGV[i + 1]
  local h = 'ktg:job:' .. key
  local status = redis.call('HGET', h, 'status')
  if not status then
    local seq = redis.call('INCR', 'ktg:jobs:seq')
    redis.call('HSET', h, 'batch', batch, 'label', ARGV[i + 2], 'job', ARGV[i + 3], 'status', 'waiting', 'attempt', 0, 'submitted', now, 'seq', seq)
    redis.call('ZADD', 'ktg:jobs:all', seq, key)
    redis.call('ZADD', 'ktg:jobs:batch:' .. batch, seq, key)
    redis.call('ZADD', 'ktg:jobs:waiting', seq, key)
  elseif status == 'completed' then
    completed = completed + 1
  elseif status ~= 'running' then
    -- failed: queued again (an error is not a result); failed or waiting: it belongs to the batch that submitted it last
    local seq = tonumber(redis.call('HGET', h, 'seq'))
    redis.call('ZREM', 'ktg:jobs:batch:' .. redis.call('HGET', h, 'batch'), key)
    redis.call('ZADD', 'ktg:jobs:batch:' .. batch, seq, key)
    redis.call('HSET', h, 'status', 'waiting', 'batch', batch, 'label', ARGV[i + 2])
    if status == 'failed' then
      redis.call('HSET', h, 'attempt', 0)
      redis.call('HDEL', h, 'error', 'worker')
      redis.call('ZADD', 'ktg:jobs:waiting', seq, key)
    end
  end
end
return completed
`;

/** ARGV: worker id, now, batch ('' for any), attempts → {1, key, attempt} | {0, running} */
const claimJobScript = `
local worker, now, batch, attempts = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
for _, key in ipairs(redis.call('SMEMBERS', 'ktg:jobs:running')) do
  local h = 'ktg:job:' .. key
  local owner = redis.call('HGET', h, 'worker')
  if (not owner) or redis.call('EXISTS', 'ktg:worker:' .. owner) == 0 then
    redis.call('SREM', 'ktg:jobs:running', key)
    redis.call('HDEL', h, 'worker')
    if tonumber(redis.call('HGET', h, 'attempt')) >= attempts then
      redis.call('HSET', h, 'status', 'failed', 'finished', now, 'error', 'its worker stopped before finishing it, ' .. attempts .. ' times')
    else
      redis.call('HSET', h, 'status', 'waiting')
      redis.call('ZADD', 'ktg:jobs:waiting', tonumber(redis.call('HGET', h, 'seq')), key)
    end
  end
end
local chosen
for _, key in ipairs(redis.call('ZRANGE', 'ktg:jobs:waiting', 0, -1)) do
  if batch == '' or redis.call('HGET', 'ktg:job:' .. key, 'batch') == batch then chosen = key break end
end
if not chosen then
  local running = 0
  for _, key in ipairs(redis.call('SMEMBERS', 'ktg:jobs:running')) do
    if batch == '' or redis.call('HGET', 'ktg:job:' .. key, 'batch') == batch then running = running + 1 end
  end
  return {0, running}
end
local h = 'ktg:job:' .. chosen
redis.call('ZREM', 'ktg:jobs:waiting', chosen)
redis.call('SADD', 'ktg:jobs:running', chosen)
local attempt = redis.call('HINCRBY', h, 'attempt', 1)
redis.call('HSET', h, 'status', 'running', 'worker', worker, 'started', now)
redis.call('HDEL', h, 'finished', 'error')
return {1, chosen, attempt}
`;

/** ARGV: key, worker id, attempt, then "finish" status now result error | "release" → 1, or error LOST */
const endJobScript = `
local key, worker, attempt, how = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local h = 'ktg:job:' .. key
if redis.call('HGET', h, 'worker') ~= worker or redis.call('HGET', h, 'attempt') ~= attempt or redis.call('HGET', h, 'status') ~= 'running' then
  return redis.error_reply('LOST')
end
redis.call('SREM', 'ktg:jobs:running', key)
redis.call('HDEL', h, 'worker')
if how == 'release' then
  redis.call('HSET', h, 'status', 'waiting', 'attempt', tonumber(attempt) - 1)
  redis.call('ZADD', 'ktg:jobs:waiting', tonumber(redis.call('HGET', h, 'seq')), key)
  return 1
end
redis.call('HSET', h, 'status', ARGV[5], 'finished', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', h, 'result', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', h, 'error', ARGV[8]) end
return 1
`;

interface KtgRedis extends Redis {
  ktgSubmitJobs(...args: string[]): Promise<number>;
  ktgClaimJob(worker: string, now: number, batch: string, attempts: number): Promise<[0, number] | [1, string, number]>;
  ktgEndJob(...args: string[]): Promise<number>;
  ktgClaim(p: string, worker: string, budget: number, now: number): Promise<[number, number]>;
  ktgOwned(key: string, worker: string, attempt: number, commands: string): Promise<unknown>;
  ktgRequeue(p: string, number: string): Promise<number>;
}

const str = (v: number | undefined): string => (v === undefined ? 'NaN' : String(v));

export class RedisStorage implements StudyStorage {
  private readonly redis: KtgRedis;
  private connected = false;
  private lastError: Error | undefined;

  /**
   * Until the first connection succeeds, a server that cannot be reached fails within a few seconds
   * (2 s connect timeout, 2 retries); once connected, dropped connections are retried for as long as
   * it takes, so workers survive a Redis restart.
   */
  /** the URL as shown in messages: its password, if any, is *** */
  readonly url: string;

  constructor(connectUrl: string) {
    this.url = redactStorageUrl(connectUrl);
    this.redis = new Redis(connectUrl, {
      lazyConnect: false,
      connectTimeout: 2000,
      maxRetriesPerRequest: 20,
      retryStrategy: (times) => (!this.connected && times > 2 ? null : Math.min(times * 200, 2000)),
    }) as KtgRedis;
    this.redis.defineCommand('ktgClaim', { numberOfKeys: 0, lua: claimScript });
    this.redis.defineCommand('ktgOwned', { numberOfKeys: 0, lua: ownedScript });
    this.redis.defineCommand('ktgRequeue', { numberOfKeys: 0, lua: requeueScript });
    this.redis.defineCommand('ktgSubmitJobs', { numberOfKeys: 0, lua: submitJobsScript });
    this.redis.defineCommand('ktgClaimJob', { numberOfKeys: 0, lua: claimJobScript });
    this.redis.defineCommand('ktgEndJob', { numberOfKeys: 0, lua: endJobScript });
    this.redis.on('ready', () => (this.connected = true));
    // connection errors surface on the commands that need the server, with the last cause
    this.redis.on('error', (err: Error) => (this.lastError = err));
  }

  private prefix(study: string): string {
    return `ktg:study:${study}`;
  }

  private async command<T>(promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (err) {
      if (!this.connected) throw new StorageFault(`cannot reach Redis at ${this.url}: ${(this.lastError ?? (err as Error)).message}`);
      throw new StorageFault(`study storage ${this.url}: ${(err as Error).message}`);
    }
  }

  async createStudy(name: string, config: StudyConfig): Promise<StudyRow & { created: boolean }> {
    const set = await this.command(this.redis.hsetnx('ktg:studies', name, JSON.stringify({ config, createdAt: Date.now() })));
    return { ...(await this.getStudy(name))!, created: set === 1 };
  }

  async getStudy(name: string): Promise<StudyRow | undefined> {
    const raw = await this.command(this.redis.hget('ktg:studies', name));
    if (!raw) return undefined;
    const { config, createdAt } = JSON.parse(raw) as { config: unknown; createdAt: number };
    return { name, config: parseStoredStudyConfig(config), createdAt };
  }

  async listStudies(): Promise<StudyRow[]> {
    const all = await this.command(this.redis.hgetall('ktg:studies'));
    return Object.entries(all)
      .map(([name, raw]) => {
        const { config, createdAt } = JSON.parse(raw) as { config: unknown; createdAt: number };
        return { name, config: parseStoredStudyConfig(config), createdAt };
      })
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async heartbeat(worker: WorkerInfo, leaseMs: number): Promise<void> {
    await this.command(this.redis.set(`ktg:worker:${worker.id}`, `${worker.host}:${worker.pid}`, 'PX', Math.max(1, Math.round(leaseMs))));
  }

  async retireWorker(worker: WorkerInfo): Promise<void> {
    await this.command(this.redis.del(`ktg:worker:${worker.id}`));
  }

  async claimTrial(study: string, worker: WorkerInfo, leaseMs: number): Promise<ClaimResult> {
    const row = await this.getStudy(study);
    if (!row) throw new Error(`no study "${study}" in ${this.url}`);
    await this.heartbeat(worker, leaseMs);
    const [n, second] = await this.command(this.redis.ktgClaim(this.prefix(study), worker.id, row.config.trials, Date.now()));
    if (n >= 0) return { kind: 'trial', claim: { number: n, attempt: second } };
    return second > 0 ? { kind: 'wait', running: second } : { kind: 'done' };
  }

  /** runs the commands atomically while the claim still holds; returns the last one's result */
  private async owned(study: string, claim: Claim, worker: WorkerInfo, commands: (string | number)[][]): Promise<unknown> {
    try {
      return await this.redis.ktgOwned(
        `${this.prefix(study)}:trial:${claim.number}`,
        worker.id,
        claim.attempt,
        JSON.stringify(commands.map((c) => c.map(String))),
      );
    } catch (err) {
      if ((err as Error).message.includes('LOST')) throw new LostTrialError(study, claim.number);
      throw new StorageFault(`study storage ${this.url}: ${(err as Error).message}`);
    }
  }

  async setTrialSpec(study: string, claim: Claim, worker: WorkerInfo, spec: StoredSpec): Promise<void> {
    await this.owned(study, claim, worker, [['HSET', `${this.prefix(study)}:trial:${claim.number}`, 'spec', JSON.stringify(spec)]]);
  }

  async recordEpoch(study: string, claim: Claim, worker: WorkerInfo, row: Omit<EpochRow, 'study' | 'trial'>): Promise<void> {
    const p = this.prefix(study);
    await this.owned(study, claim, worker, [
      ['HSET', `${p}:epochs:${claim.number}`, row.epoch, JSON.stringify({ ...row, value: str(row.value) })],
      ['HSET', `${p}:trial:${claim.number}`, 'value', str(row.value), 'lastEpoch', row.epoch],
    ]);
  }

  async reportRung(study: string, claim: Claim, worker: WorkerInfo, rung: number, value: number): Promise<number[]> {
    const p = this.prefix(study);
    const values = (await this.owned(study, claim, worker, [
      ['HSET', `${p}:rung:${rung}`, claim.number, str(value)],
      ['SADD', `${p}:rungs:${claim.number}`, rung],
      ['HVALS', `${p}:rung:${rung}`],
    ])) as string[];
    return values.map(Number);
  }

  async finishTrial(
    study: string,
    claim: Claim,
    worker: WorkerInfo,
    result: { status: 'completed' | 'pruned' | 'failed'; value?: number; error?: string },
  ): Promise<void> {
    const p = this.prefix(study);
    const key = `${p}:trial:${claim.number}`;
    const fields: (string | number)[] = ['status', result.status, 'finished', Date.now()];
    if (result.value !== undefined) fields.push('value', str(result.value));
    if (result.error !== undefined) fields.push('error', result.error);
    await this.owned(study, claim, worker, [
      ['HSET', key, ...fields],
      ['SREM', `${p}:running`, claim.number],
    ]);
  }

  async requeueTrial(study: string, number: number): Promise<boolean> {
    return (await this.command(this.redis.ktgRequeue(this.prefix(study), String(number)))) === 1;
  }

  async releaseTrial(study: string, claim: Claim, worker: WorkerInfo): Promise<void> {
    const p = this.prefix(study);
    try {
      await this.owned(study, claim, worker, [
        ['HSET', `${p}:trial:${claim.number}`, 'status', 'waiting'],
        ['HDEL', `${p}:trial:${claim.number}`, 'worker'],
        ['SREM', `${p}:running`, claim.number],
        ['ZADD', `${p}:waiting`, claim.number, claim.number],
      ]);
    } catch (err) {
      if (!(err instanceof LostTrialError)) throw err;
    }
  }

  async trials(study: string): Promise<TrialRow[]> {
    const row = await this.getStudy(study);
    if (!row) return [];
    const p = this.prefix(study);
    const count = Number((await this.command(this.redis.get(`${p}:count`))) ?? 0);
    const pipeline = this.redis.pipeline();
    for (let n = 0; n < count; n++) pipeline.hgetall(`${p}:trial:${n}`);
    const results = (await this.command(pipeline.exec())) ?? [];
    return results.map(([, h], n) => {
      const f = h as Record<string, string>;
      return {
        study,
        number: n,
        status: (f.status ?? 'waiting') as TrialStatus,
        seed: trialSeed(study, row.config, n),
        spec: f.spec ? (JSON.parse(f.spec) as StoredSpec) : undefined,
        worker: f.worker,
        attempt: Number(f.attempt ?? 0),
        startedAt: f.started ? Number(f.started) : undefined,
        finishedAt: f.finished ? Number(f.finished) : undefined,
        value: f.value !== undefined ? Number(f.value) : undefined,
        lastEpoch: f.lastEpoch !== undefined ? Number(f.lastEpoch) : undefined,
        error: f.error,
      };
    });
  }

  async epochs(study: string): Promise<EpochRow[]> {
    const p = this.prefix(study);
    const count = Number((await this.command(this.redis.get(`${p}:count`))) ?? 0);
    const pipeline = this.redis.pipeline();
    for (let n = 0; n < count; n++) pipeline.hvals(`${p}:epochs:${n}`);
    const results = (await this.command(pipeline.exec())) ?? [];
    const config = (await this.getStudy(study))?.config;
    const rows: EpochRow[] = [];
    results.forEach(([, values], n) => {
      for (const raw of values as string[]) {
        // rows of ktg ≤ 0.1 have four fixed columns instead of metrics
        const r = parseStoredJson<Pick<EpochRow, 'epoch' | 'seconds'> & { value: string; metrics?: NamedMetrics } & Partial<LegacyEpochColumns>>(raw);
        const metrics =
          r.metrics ??
          legacyMetrics(config, {
            accuracy: r.accuracy ?? [],
            ensembleAccuracy: Number(r.ensembleAccuracy),
            nodeLoss: r.nodeLoss ?? [],
            edgeLoss: r.edgeLoss ?? [],
          });
        rows.push({ study, trial: n, epoch: r.epoch, value: Number(r.value), metrics, seconds: r.seconds });
      }
    });
    return rows.sort((a, b) => a.trial - b.trial || a.epoch - b.epoch);
  }

  async submitJobs(jobs: { key: string; batch: string; label: string; job: StoredJob }[]): Promise<{ completed: number }> {
    const args = jobs.flatMap((j) => [j.key, j.batch, j.label, JSON.stringify(j.job)]);
    return { completed: await this.command(this.redis.ktgSubmitJobs(String(Date.now()), ...args)) };
  }

  async claimJob(worker: WorkerInfo, leaseMs: number, batch?: string): Promise<JobClaimResult> {
    await this.heartbeat(worker, leaseMs);
    const r = await this.command(this.redis.ktgClaimJob(worker.id, Date.now(), batch ?? '', JOB_ATTEMPTS));
    if (r[0] === 1) return { kind: 'job', claim: { key: r[1], attempt: Number(r[2]) } };
    return r[1] > 0 ? { kind: 'wait', running: r[1] } : { kind: 'done' };
  }

  private async endJob(claim: JobClaim, worker: WorkerInfo, args: string[]): Promise<void> {
    try {
      await this.redis.ktgEndJob(claim.key, worker.id, String(claim.attempt), ...args);
    } catch (err) {
      if ((err as Error).message.includes('LOST')) throw new LostJobError(claim.key);
      throw new StorageFault(`study storage ${this.url}: ${(err as Error).message}`);
    }
  }

  async finishJob(claim: JobClaim, worker: WorkerInfo, end: { status: 'completed' | 'failed'; result?: StoredJobResult; error?: string }): Promise<void> {
    await this.endJob(claim, worker, ['finish', end.status, String(Date.now()), end.result ? JSON.stringify(end.result) : '', end.error ?? '']);
  }

  async releaseJob(claim: JobClaim, worker: WorkerInfo): Promise<void> {
    try {
      await this.endJob(claim, worker, ['release']);
    } catch (err) {
      if (!(err instanceof LostJobError)) throw err;
    }
  }

  async jobs(filter: { keys?: string[]; batch?: string } = {}): Promise<JobRow[]> {
    const keys = filter.keys ?? (await this.command(this.redis.zrange(filter.batch !== undefined ? `ktg:jobs:batch:${filter.batch}` : 'ktg:jobs:all', 0, -1)));
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.hgetall(`ktg:job:${k}`);
    const results = (await this.command(pipeline.exec())) ?? [];
    const rows: JobRow[] = [];
    results.forEach(([, h], i) => {
      const f = h as Record<string, string>;
      if (!f.status) return;
      rows.push({
        key: keys[i],
        batch: f.batch,
        label: f.label,
        job: JSON.parse(f.job) as StoredJob,
        status: f.status as JobStatus,
        worker: f.worker,
        attempt: Number(f.attempt ?? 0),
        submittedAt: Number(f.submitted),
        startedAt: f.started ? Number(f.started) : undefined,
        finishedAt: f.finished ? Number(f.finished) : undefined,
        result: f.result ? parseStoredJson<StoredJobResult>(f.result) : undefined,
        error: f.error,
      });
    });
    return rows;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
