/** A worker in this process, on real data: diverging trials are recorded as failed and the search goes on. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { createOrResumeStudy, readStudy } from '../../src/search/study';
import { openStorage } from '../../src/search/storage/open';
import { asGraphSpec } from '../../src/search/kinds';
import { runWorker, sleep, WorkerEvent } from '../../src/search/worker';
import { getEventListeners } from 'node:events';
import { tempDir } from './helpers';

before(async () => initBackend({ quiet: true }));

const space = { nodes: [{ role: 'target' as const, models: ['cnn8'] }, { models: ['cnn8'] }], gates: ['through' as const] };

test('a diverging trial (NaN loss) is recorded as failed with its error, and the worker goes on', async () => {
  const url = `sqlite:${path.join(tempDir('worker'), 's.db')}`;
  const storage = openStorage(url);
  try {
    // lr 1e38: the weights overflow float32 within a few steps
    await createOrResumeStudy(storage, 'nan', {
      space,
      dataset: 'fashion-mnist',
      trials: 2,
      trainSize: 128,
      validationSize: 64,
      epochs: 2,
      batchSize: 32,
      learningRate: 1e38,
      weightDecay: 0,
    });
    const events: WorkerEvent[] = [];
    const finished = await runWorker(storage, 'nan', { onEvent: (e) => events.push(e) });
    assert.equal(finished, 2, 'both trials ran');
    const data = await readStudy(storage, 'nan');
    for (const t of data.trials) {
      assert.equal(t.status, 'failed');
      assert.match(t.error!, /edge \d+ \(\d→\d, \w+\): loss (NaN|Infinity|-Infinity) is not finite at epoch \d+, step \d+/);
    }
    assert.deepEqual(
      events.filter((e) => e.kind === 'trial-finished').map((e) => (e as { status: string }).status),
      ['failed', 'failed'],
    );
  } finally {
    await storage.close();
  }
});

test('an aborted worker gives its running trial back; the next worker finishes the study', async () => {
  const url = `sqlite:${path.join(tempDir('worker-abort'), 's.db')}`;
  const storage = openStorage(url);
  try {
    await createOrResumeStudy(storage, 'abort', {
      space,
      dataset: 'fashion-mnist',
      trials: 2,
      trainSize: 128,
      validationSize: 64,
      epochs: 2,
      batchSize: 32,
      metric: 'ensemble',
      pruner: { kind: 'none' },
    });
    const controller = new AbortController();
    const first = await runWorker(storage, 'abort', { signal: controller.signal, onEvent: (e) => e.kind === 'trial-started' && controller.abort() });
    assert.equal(first, 0);
    const mid = await readStudy(storage, 'abort');
    assert.deepEqual(
      mid.trials.map((t) => t.status),
      ['waiting'],
    );
    assert.equal(await runWorker(storage, 'abort'), 2);
    const done = await readStudy(storage, 'abort');
    assert.deepEqual(
      done.trials.map((t) => [t.status, t.attempt]),
      [
        ['completed', 2],
        ['completed', 1],
      ],
    );
    // the objective is the ensemble accuracy when the study says so
    for (const e of done.epochs) assert.equal(e.value, e.metrics.ensembleAccuracy[0]);
  } finally {
    await storage.close();
  }
});

test('a semi-supervised study: trials train with trainSemiGraph on a labelled/unlabelled split of the training part', async () => {
  const url = `sqlite:${path.join(tempDir('worker-semi'), 's.db')}`;
  const storage = openStorage(url);
  try {
    await createOrResumeStudy(storage, 'semi', {
      space: { nodes: [{ role: 'target', models: ['cnn8'] }], gates: ['through', 'threshold'], selfLoops: true },
      dataset: 'fashion-mnist',
      trials: 2,
      trainSize: 200,
      validationSize: 64,
      epochs: 2,
      batchSize: 16,
      semi: { labelled: 40, labelledBatch: 8, unlabelledBatch: 32 },
      pruner: { kind: 'none' },
    });
    assert.equal(await runWorker(storage, 'semi'), 2);
    const data = await readStudy(storage, 'semi');
    for (const t of data.trials) {
      assert.equal(t.status, 'completed', t.error);
      assert.ok(asGraphSpec(t.spec).edges.some((e) => e.source === 1 && e.target === 1 && ['consistency', 'pseudo', 'pseudo-threshold'].includes(e.loss)));
    }
    // 160 unlabelled images (200 − 40 labelled) in batches of 32 → 5 steps per epoch, 2 epochs recorded
    assert.equal(data.epochs.length, 4);
  } finally {
    await storage.close();
  }
});

test('a waiting loop does not pile up abort listeners; an abort ends the wait at once', async () => {
  const controller = new AbortController();
  for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  const t0 = Date.now();
  const waiting = sleep(60_000, controller.signal);
  controller.abort();
  await waiting;
  assert.ok(Date.now() - t0 < 1000);
});
