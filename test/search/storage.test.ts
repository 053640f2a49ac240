/**
 * The same contract pinned on both study storages: the embedded SQLite file and a real Redis server
 * on loopback (started here).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseStudyConfig, trialSeed } from '../../src/search/study_config';
import { JobClaim, LostJobError, LostTrialError, StudyStorage, WorkerInfo } from '../../src/search/storage/types';
import { openStorage } from '../../src/search/storage/open';
import { createOrResumeStudy, readStudy } from '../../src/search/study';
import { startRedis, RedisServer, tempDir } from './helpers';

const config = parseStudyConfig({
  space: { nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8', 'cnn16'] }], gates: ['through', 'cutoff'] },
  dataset: 'fashion-mnist',
  trials: 3,
  validationSize: 100,
  epochs: 4,
  batchSize: 32,
});
const epochRow = (epoch: number, value: number) => ({
  epoch,
  value,
  metrics: { accuracy: [value, 0.5], ensembleAccuracy: [0.6], nodeLoss: [1, 2], edgeLoss: [0.1, 0.2, 0.3, NaN] },
  seconds: 1.5,
});
const w = (id: string, pid = process.pid): WorkerInfo => ({ id, host: 'test-host', pid });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function contract(name: string, open: () => Promise<{ a: StudyStorage; b: StudyStorage; url: string }>) {
  describe(`${name} storage`, () => {
    let a: StudyStorage;
    let b: StudyStorage;
    let url: string;
    before(async () => ({ a, b, url } = await open()));
    after(async () => {
      await a.close();
      await b.close();
    });

    test('a study is created once and read back with its settings', async () => {
      await a.createStudy('s1', config);
      const again = await b.createStudy('s1', { ...config, trials: 99 });
      assert.equal(again.config.trials, 3, 'an existing study is returned unchanged');
      assert.deepEqual((await b.getStudy('s1'))!.config, config);
      assert.deepEqual(
        (await a.listStudies()).map((s) => s.name),
        ['s1'],
      );
      assert.equal(await a.getStudy('nope'), undefined);
    });

    test('creating one new study name twice at once: exactly one creates it; createOrResumeStudy refuses the loser when its settings differ', async () => {
      const [x, y] = await Promise.all([a.createStudy('race', config), b.createStudy('race', { ...config, trials: 7 })]);
      assert.deepEqual([x.created, y.created].sort(), [false, true]);
      assert.equal(x.config.trials, y.config.trials, 'both see the one stored study');
      const results = await Promise.allSettled([createOrResumeStudy(a, 'race2', config), createOrResumeStudy(b, 'race2', { ...config, trials: 7 })]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, JSON.stringify(results));
      assert.equal((won[0] as PromiseFulfilledResult<{ resumed: boolean }>).value.resumed, false);
      assert.match(String(lost[0].reason), /study "race2" already exists in .* with different trials/);
      // with equal settings the loser joins the winner's study
      const same = await Promise.all([createOrResumeStudy(a, 'race3', config), createOrResumeStudy(b, 'race3', config)]);
      assert.deepEqual(same.map((r) => r.resumed).sort(), [false, true]);
    });

    test('resume puts trials that failed because the storage failed back in the queue, never the training failures', async () => {
      await a.createStudy('requeue', config);
      const errors = [
        'Error: study storage redis://:***@h:6379: Reached the max retries per request limit (which is 20)',
        'edge 1 (2→1, kl): loss NaN is not finite at epoch 1, step 3',
        'SqliteError: database or disk is full',
      ];
      for (const error of errors) {
        const c = await a.claimTrial('requeue', w('A'), 60_000);
        if (c.kind !== 'trial') throw new Error(c.kind);
        await a.finishTrial('requeue', c.claim, w('A'), { status: 'failed', error });
      }
      assert.equal(await a.requeueTrial('requeue', 1), true, 'requeueTrial itself does not judge the error');
      assert.equal(await a.requeueTrial('requeue', 1), false, 'only a failed trial goes back');
      const c = await a.claimTrial('requeue', w('A'), 60_000);
      assert.deepEqual(c.kind === 'trial' && c.claim, { number: 1, attempt: 2 });
      await a.finishTrial('requeue', (c as { claim: { number: number; attempt: number } }).claim, w('A'), { status: 'failed', error: errors[1] });
      const { requeued } = await createOrResumeStudy(b, 'requeue', config);
      assert.deepEqual(requeued, [0, 2]);
      assert.deepEqual(
        (await b.trials('requeue')).map((t) => t.status),
        ['waiting', 'failed', 'waiting'],
      );
      const again = await b.claimTrial('requeue', w('B'), 60_000);
      assert.deepEqual(again.kind === 'trial' && again.claim, { number: 0, attempt: 2 });
    });

    test('concurrent claims get distinct trials; the budget holds; then wait, then done', async () => {
      await a.createStudy('s2', config);
      const [c1, c2] = await Promise.all([a.claimTrial('s2', w('A'), 60_000), b.claimTrial('s2', w('B'), 60_000)]);
      assert.equal(c1.kind, 'trial');
      assert.equal(c2.kind, 'trial');
      const numbers = [c1, c2].map((c) => (c.kind === 'trial' ? c.claim.number : -1)).sort();
      assert.deepEqual(numbers, [0, 1]);
      const c3 = await a.claimTrial('s2', w('A'), 60_000);
      assert.deepEqual(c3, { kind: 'trial', claim: { number: 2, attempt: 1 } });
      const c4 = await b.claimTrial('s2', w('B'), 60_000);
      assert.deepEqual(c4, { kind: 'wait', running: 3 });
      const finishes = [
        [c1, 'A', 'completed'],
        [c2, 'B', 'completed'],
        [c3, 'A', 'pruned'],
      ] as const;
      for (const [c, worker, status] of finishes) if (c.kind === 'trial') await a.finishTrial('s2', c.claim, w(worker), { status, value: 0.5 });
      assert.deepEqual(await b.claimTrial('s2', w('B'), 60_000), { kind: 'done' });
      const trials = await b.trials('s2');
      assert.deepEqual(trials.map((t) => t.status).sort(), ['completed', 'completed', 'pruned']);
    });

    test('epochs and rung values are recorded; reportRung returns every value at the rung', async () => {
      await a.createStudy('s3', config);
      const ca = await a.claimTrial('s3', w('A'), 60_000);
      const cb = await b.claimTrial('s3', w('B'), 60_000);
      assert.ok(ca.kind === 'trial' && cb.kind === 'trial');
      await a.recordEpoch('s3', ca.claim, w('A'), epochRow(1, 0.3));
      await b.recordEpoch('s3', cb.claim, w('B'), epochRow(1, 0.4));
      assert.deepEqual(await a.reportRung('s3', ca.claim, w('A'), 0, 0.3), [0.3]);
      assert.deepEqual((await b.reportRung('s3', cb.claim, w('B'), 0, 0.4)).sort(), [0.3, 0.4]);
      const epochs = await a.epochs('s3');
      assert.deepEqual(
        epochs.map((e) => [e.trial, e.epoch, e.value]),
        [
          [0, 1, 0.3],
          [1, 1, 0.4],
        ],
      );
      // named metrics round-trip, NaN included (JSON has none)
      assert.deepEqual(epochs[0].metrics, { accuracy: [0.3, 0.5], ensembleAccuracy: [0.6], nodeLoss: [1, 2], edgeLoss: [0.1, 0.2, 0.3, NaN] });
      const t = (await b.trials('s3'))[0];
      assert.equal(t.value, 0.3);
      assert.equal(t.lastEpoch, 1);
      assert.equal(t.seed, trialSeed('s3', config, 0));
    });

    test('a worker whose lease lapsed loses its trial: re-run from scratch elsewhere, its late writes refused', async () => {
      await a.createStudy('s4', config);
      const first = await a.claimTrial('s4', w('slow'), 150);
      assert.ok(first.kind === 'trial');
      await a.recordEpoch('s4', first.claim, w('slow'), epochRow(1, 0.9));
      await a.reportRung('s4', first.claim, w('slow'), 0, 0.9);
      await sleep(400);
      const second = await b.claimTrial('s4', w('fresh'), 60_000);
      assert.deepEqual(second, { kind: 'trial', claim: { number: 0, attempt: 2 } });
      await assert.rejects(a.recordEpoch('s4', first.claim, w('slow'), epochRow(2, 0.95)), LostTrialError);
      await assert.rejects(a.finishTrial('s4', first.claim, w('slow'), { status: 'completed', value: 0.95 }), LostTrialError);
      assert.deepEqual(await b.epochs('s4'), [], 'the lost attempt left no epochs');
      if (second.kind === 'trial') {
        assert.deepEqual(await b.reportRung('s4', second.claim, w('fresh'), 0, 0.2), [0.2], 'nor rung values');
        await b.finishTrial('s4', second.claim, w('fresh'), { status: 'completed', value: 0.2 });
      }
      const [t] = await a.trials('s4');
      assert.equal(t.status, 'completed');
      assert.equal(t.attempt, 2);
      assert.equal(t.value, 0.2);
    });

    test('a released trial (clean shutdown) is handed out again', async () => {
      await a.createStudy('s5', config);
      const c = await a.claimTrial('s5', w('A'), 60_000);
      assert.ok(c.kind === 'trial');
      await a.releaseTrial('s5', c.claim, w('A'));
      assert.equal((await b.trials('s5'))[0].status, 'waiting');
      assert.deepEqual(await b.claimTrial('s5', w('B'), 60_000), { kind: 'trial', claim: { number: 0, attempt: 2 } });
    });

    test('jobs: submitted once, claimed by one worker each, results stored; a resubmission counts the completed ones and retries the failed', async () => {
      const jobs = ['k1', 'k2', 'k3'].map((key, i) => ({ key: `${name}-${key}`, batch: `${name}-b1`, label: `job ${i}`, job: { seed: i, lr: 0.05 } }));
      assert.deepEqual(await a.submitJobs(jobs), { completed: 0 });
      assert.deepEqual(await b.submitJobs(jobs), { completed: 0 }, 'submitting again adds nothing');
      const claims = await Promise.all([a.claimJob(w('A'), 60_000, `${name}-b1`), b.claimJob(w('B'), 60_000, `${name}-b1`), a.claimJob(w('C'), 60_000)]);
      const keys = claims.map((c) => (c.kind === 'job' ? c.claim.key : c.kind));
      assert.deepEqual([...keys].sort(), jobs.map((j) => j.key).sort(), 'three workers, three distinct jobs');
      assert.deepEqual(await a.claimJob(w('D'), 60_000, `${name}-b1`), { kind: 'wait', running: 3 });
      assert.deepEqual(await a.claimJob(w('D'), 60_000, `${name}-other`), { kind: 'done' }, 'another batch has nothing');
      const owners = ['A', 'B', 'C'];
      const result = { epochs: [{ accuracy: [0.5, NaN] }], seconds: 2 };
      await a.finishJob((claims[0] as { claim: JobClaim }).claim, w(owners[0]), { status: 'completed', result });
      await b.finishJob((claims[1] as { claim: JobClaim }).claim, w(owners[1]), { status: 'completed', result });
      await b.finishJob((claims[2] as { claim: JobClaim }).claim, w(owners[2]), { status: 'failed', error: 'Error: no dataset' });
      await assert.rejects(a.finishJob((claims[0] as { claim: JobClaim }).claim, w('A'), { status: 'completed', result }), LostJobError, 'finished once');
      const rows = await b.jobs({ batch: `${name}-b1` });
      assert.deepEqual(
        rows.map((r) => r.key),
        jobs.map((j) => j.key),
        'in submission order',
      );
      const done = rows.find((r) => r.key === keys[0])!;
      assert.equal(done.status, 'completed');
      assert.deepEqual(done.result, result, 'NaN survives the round trip');
      assert.deepEqual(done.job, jobs.find((j) => j.key === keys[0])!.job);
      assert.equal(done.attempt, 1);
      assert.equal(rows.find((r) => r.key === keys[2])!.error, 'Error: no dataset');
      assert.deepEqual(await a.submitJobs(jobs), { completed: 2 }, 'the failed one is queued again, the completed ones reused');
      assert.equal((await a.jobs({ keys: [keys[2]] }))[0].status, 'waiting');
      assert.deepEqual(
        (await a.jobs({ keys: [keys[1], 'missing', keys[0]] })).map((r) => r.key),
        [keys[1], keys[0]],
      );
    });

    test('jobs: a worker that died loses its job, which runs once more; a second death fails it; a clean release does not count', async () => {
      const job = { key: `${name}-dies`, batch: `${name}-b2`, label: 'dies', job: { seed: 9 } };
      await a.submitJobs([job]);
      const first = await a.claimJob(w('dying1'), 150, job.batch);
      assert.ok(first.kind === 'job');
      await sleep(400);
      const second = await b.claimJob(w('fresh1'), 150, job.batch);
      assert.deepEqual(second, { kind: 'job', claim: { key: job.key, attempt: 2 } });
      await assert.rejects(a.finishJob(first.claim, w('dying1'), { status: 'completed', result: {} }), LostJobError, 'the dead worker cannot finish it');
      await sleep(400);
      assert.deepEqual(await b.claimJob(w('fresh2'), 60_000, job.batch), { kind: 'done' });
      const [row] = await a.jobs({ keys: [job.key] });
      assert.equal(row.status, 'failed');
      assert.match(row.error!, /its worker stopped before finishing it, 2 times/);
      // resubmitted: a fresh start; a clean release gives it back without counting the attempt
      await a.submitJobs([job]);
      const c = await a.claimJob(w('polite'), 60_000, job.batch);
      assert.deepEqual(c, { kind: 'job', claim: { key: job.key, attempt: 1 } });
      if (c.kind === 'job') await a.releaseJob(c.claim, w('polite'));
      assert.deepEqual(await b.claimJob(w('next'), 60_000, job.batch), { kind: 'job', claim: { key: job.key, attempt: 1 } });
    });

    test('jobs: a waiting job submitted again by another batch moves to it (its workers claim it); a completed one stays where it is', async () => {
      const job = { key: `${name}-moves`, batch: `${name}-old`, label: 'old label', job: { seed: 3 } };
      await a.submitJobs([job]);
      await b.submitJobs([{ ...job, batch: `${name}-new`, label: 'new label' }]);
      assert.deepEqual(await a.claimJob(w('X'), 60_000, `${name}-old`), { kind: 'done' });
      const c = await a.claimJob(w('Y'), 60_000, `${name}-new`);
      assert.deepEqual(c, { kind: 'job', claim: { key: job.key, attempt: 1 } });
      const [row] = await b.jobs({ batch: `${name}-new` });
      assert.deepEqual([row.key, row.label], [job.key, 'new label']);
      assert.deepEqual(await b.jobs({ batch: `${name}-old` }), []);
      if (c.kind === 'job') await a.finishJob(c.claim, w('Y'), { status: 'completed', result: { value: 1 } });
      assert.deepEqual(await a.submitJobs([{ ...job, batch: `${name}-third` }]), { completed: 1 });
      assert.equal((await b.jobs({ keys: [job.key] }))[0].batch, `${name}-new`);
    });

    test('readStudy returns plain rows and the progress', async () => {
      const data = await readStudy(url, 's2');
      assert.equal(data.trials.length, 3);
      assert.equal(data.progress.finished, 3);
      assert.equal(data.progress.byStatus.pruned, 1);
      await assert.rejects(readStudy(url, 'missing'), /no study "missing".*s1/);
    });
  });
}

contract('SQLite', async () => {
  const file = path.join(tempDir('sqlite'), 'studies.db');
  return { a: openStorage(`sqlite:${file}`), b: openStorage(`sqlite:${file}`), url: `sqlite:${file}` };
});

let redis: RedisServer;
before(async () => (redis = await startRedis()));
after(async () => redis?.stop());
contract('Redis', async () => ({ a: openStorage(redis.url), b: openStorage(redis.url), url: redis.url }));

test('SQLite: a trial of a dead worker process on this host is handed out at once, lease or not', async () => {
  const file = path.join(tempDir('sqlite-pid'), 'studies.db');
  const s = openStorage(`sqlite:${file}`);
  try {
    await s.createStudy('p', config);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dead: WorkerInfo = { id: 'dead', host: require('os').hostname(), pid: gone };
    const c = await s.claimTrial('p', dead, 3_600_000);
    assert.ok(c.kind === 'trial');
    assert.deepEqual(await s.claimTrial('p', w('alive'), 60_000), { kind: 'trial', claim: { number: 0, attempt: 2 } });
  } finally {
    await s.close();
  }
});

test('trial seeds: independent across studies, paired within a named seed group, legacy for studies stored before (seed·100000 + n)', async () => {
  const seeds = (study: string, c = config) => [0, 1, 2].map((n) => trialSeed(study, c, n));
  assert.notDeepEqual(seeds('a'), seeds('b'), 'two studies with seed 0 no longer train trial n alike');
  assert.equal(new Set([...seeds('a'), ...seeds('b')]).size, 6);
  assert.deepEqual(seeds('a'), seeds('a'), 'a worker anywhere derives the same seed');
  assert.ok(seeds('a').every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31));
  assert.notDeepEqual(seeds('a'), seeds('a', { ...config, seed: 1 }));
  const paired = { ...config, seedGroup: 'transfer methods' };
  assert.deepEqual(seeds('transfer-images', paired), seeds('transfer-input-side', paired), 'a seed group pairs trial n across studies');
  // a study stored without trialSeeds (ktg ≤ 0.1) keeps its trials' seeds on resume
  const dir = tempDir('legacy-seeds');
  const file = path.join(dir, 'old.db');
  const s = openStorage(`sqlite:${file}`);
  await s.close();
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(file);
  const { trialSeeds: _dropped, ...old } = config;
  db.prepare('INSERT INTO studies (name, config, created_at) VALUES (?, ?, ?)').run('old', JSON.stringify({ ...old, seed: 2 }), 1);
  db.close();
  const again = openStorage(`sqlite:${file}`);
  try {
    const stored = (await again.getStudy('old'))!.config;
    assert.equal(stored.trialSeeds, 'legacy');
    assert.equal(trialSeed('old', stored, 7), 200_007);
  } finally {
    await again.close();
  }
});

test('bad storage URLs get a clear error', () => {
  assert.throws(() => openStorage('postgres://x/y'), /unknown storage URL "postgres:\/\/x\/y": use sqlite:PATH/);
  assert.throws(() => openStorage('sqlite:'), /names no file/);
});

test('SQLite files of ktg ≤ 0.1 (four fixed metric columns, old id spellings) load: metrics named per study kind, specs upgraded', async () => {
  const Database = (await import('better-sqlite3')).default;
  const { asGraphSpec } = await import('../../src/search/kinds');
  const file = path.join(tempDir('sqlite-legacy'), 'old.db');
  const old = new Database(file);
  old.exec(`CREATE TABLE studies (name TEXT PRIMARY KEY, config TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE trials (study TEXT NOT NULL, number INTEGER NOT NULL, status TEXT NOT NULL, spec TEXT, worker TEXT, attempt INTEGER NOT NULL DEFAULT 0, started_at INTEGER, finished_at INTEGER, value REAL, last_epoch INTEGER, error TEXT, PRIMARY KEY (study, number));
    CREATE TABLE epochs (study TEXT NOT NULL, trial INTEGER NOT NULL, epoch INTEGER NOT NULL, value REAL, accuracy TEXT NOT NULL, ensemble_accuracy REAL, node_loss TEXT NOT NULL, edge_loss TEXT NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (study, trial, epoch));`);
  const gan = parseStudyConfig({
    space: { kind: 'gan', generators: 2, gates: ['through'] },
    dataset: 'fashion-mnist',
    trials: 1,
    validationSize: 100,
    epochs: 2,
    batchSize: 16,
    metric: 'best-is',
    gan: { stepsPerEpoch: 5 },
  });
  // the study itself was written with an old id in its space
  old.prepare('INSERT INTO studies VALUES (?, ?, 0)').run('c', JSON.stringify({ ...config, space: { ...config.space, gates: ['through', 'negativeLinear'] } }));
  old.prepare('INSERT INTO studies VALUES (?, ?, 0)').run('g', JSON.stringify(gan));
  const oldSpec = {
    numClasses: 10,
    inputShape: [28, 28, 1],
    nodes: [{ model: 'wrn16_2', role: 'target', pretrained: false }],
    edges: [{ source: 0, target: 1, loss: 'ce', gate: { name: 'negativeLinear' } }],
  };
  old.prepare("INSERT INTO trials VALUES ('c', 0, 'completed', ?, NULL, 1, 0, 1, 0.5, 1, NULL)").run(JSON.stringify(oldSpec));
  old.prepare("INSERT INTO epochs VALUES ('c', 0, 1, 0.5, '[0.5]', 0.55, '[1.2]', '[0.7]', 3)").run();
  old.prepare("INSERT INTO epochs VALUES ('g', 0, 1, 2.5, '[2.5,2.1]', 2.5, '[80,90]', '[1.1,0.7,0.8]', 9)").run();
  old.close();
  const s = openStorage(`sqlite:${file}`);
  try {
    assert.deepEqual((await s.epochs('c'))[0].metrics, { accuracy: [0.5], ensembleAccuracy: [0.55], nodeLoss: [1.2], edgeLoss: [0.7] });
    assert.deepEqual((await s.epochs('g'))[0].metrics, { is: [2.5, 2.1], fid: [80, 90], dLoss: [1.1], gLoss: [0.7, 0.8] });
    const spec = asGraphSpec((await s.trials('c'))[0].spec);
    assert.deepEqual([spec.nodes[0].model, spec.edges[0].gate.name], ['wrn16-2', 'negative-linear']);
    assert.deepEqual((await s.getStudy('c'))!.config.space.gates, ['through', 'negative-linear']);
  } finally {
    await s.close();
  }
  // migrated once: a second open finds the new table
  const again = openStorage(`sqlite:${file}`);
  assert.equal((await again.epochs('g')).length, 1);
  await again.close();
});

test('Redis epoch rows of ktg ≤ 0.1 (four fixed metric columns) read back as named metrics of the study kind', async () => {
  const Redis = (await import('ioredis')).default;
  const raw = new Redis(redis.url);
  const s = openStorage(redis.url);
  try {
    const gan = parseStudyConfig({
      space: { kind: 'gan', generators: 2, gates: ['through'] },
      dataset: 'fashion-mnist',
      trials: 1,
      validationSize: 100,
      epochs: 2,
      batchSize: 16,
      metric: 'best-is',
      gan: { stepsPerEpoch: 5 },
    });
    await s.createStudy('legacy-c', config);
    await s.createStudy('legacy-g', gan);
    const old = (value: number, accuracy: number[], nodeLoss: number[], edgeLoss: number[]) =>
      JSON.stringify({ epoch: 1, value: String(value), accuracy, ensembleAccuracy: String(value), nodeLoss, edgeLoss, seconds: 2 });
    await raw.set('ktg:study:legacy-c:count', '1');
    await raw.hset('ktg:study:legacy-c:epochs:0', '1', old(0.5, [0.5], [1.2], [0.7]));
    await raw.set('ktg:study:legacy-g:count', '1');
    await raw.hset('ktg:study:legacy-g:epochs:0', '1', old(2.5, [2.5, 2.1], [80, 90], [1.1, 0.7, 0.8]));
    assert.deepEqual((await s.epochs('legacy-c'))[0].metrics, { accuracy: [0.5], ensembleAccuracy: [0.5], nodeLoss: [1.2], edgeLoss: [0.7] });
    assert.deepEqual((await s.epochs('legacy-g'))[0].metrics, { is: [2.5, 2.1], fid: [80, 90], dLoss: [1.1], gLoss: [0.7, 0.8] });
  } finally {
    raw.disconnect();
    await s.close();
  }
});
