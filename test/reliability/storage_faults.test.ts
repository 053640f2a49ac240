/**
 * Only a trial's own training can fail it (#32): a study storage that fails (a full disk under SQLite,
 * here made by a wrapper that throws SQLITE_FULL from every write while "full") never records a
 * failed graph; the worker waits for it with backoff up to a printed deadline, gives the trial back and
 * the study completes, or — past the deadline — stops naming the storage, leaving the trial to be run again.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { openStorage } from '../../src/search/storage/open';
import { StudyStorage } from '../../src/search/storage/types';
import { createOrResumeStudy, readStudy } from '../../src/search/study';
import { runWorker } from '../../src/search/worker';
import { RedisServer, startRedis, tempDir } from '../search/helpers';

before(async () => initBackend({ quiet: true }));

const space = { nodes: [{ role: 'target' as const, models: ['cnn8'] }, { models: ['cnn8'] }], gates: ['through' as const] };
// no ASHA: these tests are about storage faults, and which trial a rung prunes depends on the trials' seeds
const settings = {
  space,
  dataset: 'fashion-mnist',
  trials: 2,
  trainSize: 128,
  validationSize: 64,
  epochs: 2,
  batchSize: 32,
  pruner: { kind: 'none' as const },
};
const reads = new Set(['getStudy', 'listStudies', 'trials', 'epochs', 'close', 'url']);

/** the storage, but every write throws SQLite's "disk full" while `state.full` */
function fillable(storage: StudyStorage, state: { full: boolean; writesBeforeFull?: number }): StudyStorage {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || reads.has(String(prop))) return value;
      return (...args: unknown[]) => {
        if (state.writesBeforeFull !== undefined && prop === 'recordEpoch' && --state.writesBeforeFull === 0) state.full = true;
        if (state.full) return Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

test('a full disk for a while: no trial is recorded as failed; the worker waits, re-runs the trial and completes the study', async () => {
  const storage = openStorage(`sqlite:${path.join(tempDir('faults'), 's.db')}`);
  try {
    await createOrResumeStudy(storage, 'full', settings);
    const state = { full: false, writesBeforeFull: 2 };
    const lines: string[] = [];
    // the disk fills at the second epoch record and is freed 1.5 s later
    const freed = setInterval(() => {
      if (state.full) (setTimeout(() => (state.full = false), 1500), clearInterval(freed));
    }, 20);
    const finished = await runWorker(fillable(storage, state), 'full', { storageRetryMs: 60_000, storageBackoffMs: 200, log: (l) => lines.push(l) });
    clearInterval(freed);
    assert.equal(finished, 2);
    const data = await readStudy(storage, 'full');
    assert.deepEqual(
      data.trials.map((t) => t.status),
      ['completed', 'completed'],
    );
    assert.ok(
      data.trials.some((t) => t.attempt > 1),
      'the interrupted trial was run again',
    );
    assert.match(lines[0], /study storage sqlite:.*s\.db failed \(database or disk is full\); retrying for up to 60 s/);
    assert.ok(lines.some((l) => /answers again/.test(l)));
  } finally {
    await storage.close();
  }
});

test('a storage that stays full past the deadline: the worker stops naming it, and no trial is failed', async () => {
  const storage = openStorage(`sqlite:${path.join(tempDir('faults-forever'), 's.db')}`);
  try {
    await createOrResumeStudy(storage, 'full', settings);
    const state = { full: false, writesBeforeFull: 1 };
    await assert.rejects(
      runWorker(fillable(storage, state), 'full', { storageRetryMs: 1000, storageBackoffMs: 200, log: () => undefined }),
      /study storage sqlite:.*s\.db did not answer for 1 s \(database or disk is full\); this worker stops, and its running trial will be run again/,
    );
    const data = await readStudy(storage, 'full');
    assert.ok(!data.trials.some((t) => t.status === 'failed'), JSON.stringify(data.trials.map((t) => t.status)));
  } finally {
    await storage.close();
  }
});

test('Redis stopped mid-trial for longer than its client retries, then restarted with its append-only file: the worker waits, no trial is failed', async () => {
  const first = await startRedis({ appendonly: true, keepDir: true });
  let second: RedisServer | undefined;
  const storage = openStorage(first.url);
  try {
    await createOrResumeStudy(storage, 'outage', settings);
    const lines: string[] = [];
    let stopped = false;
    // at the first epoch record Redis goes away for 40 s — longer than the client's own ~31 s of reconnects,
    // so the trial's next write fails (the case that ended workers and failed trials for good)
    const outage = new Promise<void>((resolve) => {
      const onEpoch = () => {
        if (stopped) return;
        stopped = true;
        void first
          .stop()
          .then(() => new Promise((r) => setTimeout(r, 40_000)))
          .then(async () => {
            second = await startRedis({ port: first.port, dir: first.dir, appendonly: true });
            resolve();
          });
      };
      void runWorker(storage, 'outage', {
        storageRetryMs: 120_000,
        storageBackoffMs: 500,
        log: (l) => lines.push(l),
        onEvent: (e) => e.kind === 'epoch' && onEpoch(),
      }).then(
        (finished) => lines.push(`finished ${finished}`),
        (err: Error) => lines.push(`worker failed: ${err.message}`),
      );
    });
    await outage;
    // the worker finishes the study once Redis is back
    for (let i = 0; i < 600 && !lines.some((l) => l.startsWith('finished') || l.startsWith('worker failed')); i++) await new Promise((r) => setTimeout(r, 100));
    // the worker ends normally; it may count one trial fewer when a write it sent as Redis went down is
    // replayed on reconnect and finds the trial already finished (a lost claim, never a second record)
    assert.ok(
      lines.some((l) => /^finished [12]$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /study storage redis:\/\/127\.0\.0\.1:\d+ failed .*; retrying for up to 120 s/.test(l)),
      lines.join('\n'),
    );
    const data = await readStudy(storage, 'outage');
    assert.deepEqual(
      data.trials.map((t) => t.status),
      ['completed', 'completed'],
    );
  } finally {
    await storage.close();
    await second?.stop();
    fs.rmSync(first.dir, { recursive: true, force: true });
  }
});
