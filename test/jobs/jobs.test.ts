/**
 * Stored jobs with real processes on real data (Fashion-MNIST from the seeded cache): a notebook-style
 * sequence of retraining jobs SIGKILLed mid-way (with its worker) and run again reuses what finished
 * and re-runs the killed job once; two `ktg worker --jobs` on one Redis share a job list, each job run
 * once; a job's key changes with any setting and with nothing else.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { checkJobPrecision, JOB_FORMAT, jobKey, JobSpecError, parseGraphJob } from '../../src/jobs/job';
import { graphJobsOf, TrainJob } from '../../src/jobs/train_jobs';
import { vanillaGraph } from '../../src/graph/methods';
import { openStorage } from '../../src/search/storage/open';
import { root, runCli, startRedis, RedisServer, tempDir } from '../search/helpers';

const spec = vanillaGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn8' });
const train = (seeds: number[], extra: Partial<TrainJob> = {}): TrainJob => ({
  name: 'vanilla',
  spec,
  dataset: 'fashion-mnist',
  seeds,
  epochs: 2,
  trainSize: 300,
  testSize: 200,
  batchSize: 32,
  learningRate: 0.05,
  preset: 'ci',
  ...extra,
});

/** a graph run that keeps its models, as trainGraphRun takes it: Fashion-MNIST 300 / 200 images, 2 epochs */
const tinyRun = (graph: unknown, seed = 5) => ({
  spec: graph,
  dataset: 'fashion-mnist',
  trainSize: 300,
  testSize: 200,
  seed,
  epochs: 2,
  batchSize: 32,
  learningRate: 0.05,
  schedule: 'cosine' as const,
  augmentation: 'none' as const,
});

describe('job keys', () => {
  test('the key is the content: the same job spelled differently has one key; any setting, the seed or the format changes it', () => {
    const [a] = graphJobsOf(train([3]));
    const job = parseGraphJob(a.job);
    const reordered = parseGraphJob(Object.fromEntries(Object.entries(a.job).reverse()));
    assert.equal(jobKey(reordered), jobKey(job));
    assert.match(jobKey(job), /^[0-9a-f]{64}$/);
    for (const change of [{ seed: 4 }, { epochs: 3 }, { learningRate: 0.02 }, { trainSize: 301 }, { augmentation: 'weak' as const }, { dataset: 'mnist' }])
      assert.notEqual(jobKey({ ...job, ...change }), jobKey(job), JSON.stringify(change));
    const otherGraph = parseGraphJob({ ...a.job, spec: vanillaGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn16' }) });
    assert.notEqual(jobKey(otherGraph), jobKey(job));
    assert.equal(JOB_FORMAT, 1, 'a new format must be a new number (the test pins the one the stored results were made with)');
    // keepModels changes the key only when set: jobs stored before it existed keep theirs
    assert.equal(jobKey(parseGraphJob({ ...a.job })), jobKey(job));
    assert.notEqual(jobKey(parseGraphJob({ ...a.job, keepModels: true })), jobKey(job));
  });

  test('the precision is in the key only when it is not fp32, and a worker in the other precision refuses the job, naming both', () => {
    const job = parseGraphJob(graphJobsOf(train([3]))[0].job);
    // fp32 keys are those of every job stored before bf16 existed
    const fp32 = createHash('sha256')
      .update(stringify({ format: JOB_FORMAT, job }) ?? '')
      .digest('hex');
    assert.equal(jobKey(job, 'fp32'), fp32);
    assert.notEqual(jobKey(job, 'bf16'), fp32);
    assert.doesNotThrow(() => checkJobPrecision(job, jobKey(job, 'bf16'), 'bf16'));
    assert.throws(
      () => checkJobPrecision(job, jobKey(job, 'bf16'), 'fp32'),
      (e: Error) =>
        e instanceof JobSpecError && /submitted by a run computing in bf16; this worker computes in fp32 \(start it with KTG_PRECISION=bf16\)/.test(e.message),
    );
    assert.throws(() => checkJobPrecision(job, fp32, 'bf16'), /computing in fp32; this worker computes in bf16/);
  });

  test('an invalid job names the offending field; an invalid graph names its node', () => {
    const [a] = graphJobsOf(train([0]));
    assert.throws(
      () => parseGraphJob({ ...a.job, epochs: 0 }),
      (e: Error) => e instanceof JobSpecError && /epochs/.test(e.message),
    );
    assert.throws(() => parseGraphJob({ ...a.job, lr: 0.1 }), /unknown key "lr" \(known keys: .*learningRate/);
    assert.throws(() => parseGraphJob({ ...a.job, spec: { ...spec, nodes: [{ ...spec.nodes[0], model: 'resnet999' }] } }), /resnet999/);
  });
});

describe('graph runs that keep their models', () => {
  test('trained once and stored with their weights; the same run again reads back the metrics and models that predict the same', async () => {
    const { initBackend } = await import('../../src/backend');
    const { trainGraphRun } = await import('../../src/jobs/graph_run');
    const { evaluateAll } = await import('../../src/training');
    const { loadDataset } = await import('../../src/data/registry');
    const { randomSubset } = await import('../../src/data/splits');
    const { kdGraph } = await import('../../src/graph/methods');
    await initBackend({ quiet: true });
    const dir = tempDir('graph-runs');
    const storage = `sqlite:${path.join(dir, 'runs.db')}`;
    // a frozen pretrained teacher and a learning student: both come back
    const kd = kdGraph({ numClasses: 10, inputShape: [28, 28, 1], student: 'cnn4', teacher: 'cnn8', temperature: 4 });
    const request = tinyRun(kd);
    const lines: string[] = [];
    const first = await trainGraphRun(request, { storage, log: (l) => lines.push(l) });
    const second = await trainGraphRun(request, { storage, log: (l) => lines.push(l) });
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(.*\)$/, '')),
      ['[jobs] graph runs: reused 0 of 1 runs', '[jobs] graph runs: reused 1 of 1 runs'],
    );
    assert.equal(first.status, 'completed');
    assert.equal(second.models.length, 2);
    assert.deepEqual(
      second.history.map((h) => h.accuracy),
      first.history.map((h) => h.accuracy),
    );
    assert.equal(second.steps, first.steps);
    assert.equal(second.history[1].learningRate, first.history[1].learningRate);
    const all = await loadDataset('fashion-mnist');
    const test = randomSubset(all.test, 200, 2);
    const [a, b] = [evaluateAll(first.models, test), evaluateAll(second.models, test)];
    assert.deepEqual(b, a, 'restored models predict exactly as the trained ones');
    assert.deepEqual(a.accuracy, first.history[1].accuracy, "the job's own test subset is randomSubset(test, n, 2)");
    // what a notebook's seed loop trained before (trainGraph on randomSubset(…, 1 | 2)) is what the job trains
    const { trainGraph } = await import('../../src/graph/trainer');
    const direct = await trainGraph(kd, { train: randomSubset(all.train, 300, 1), test }, { epochs: 2, batchSize: 32, learningRate: 0.05, seed: 5 });
    assert.deepEqual(
      direct.history.map((h) => h.accuracy),
      first.history.map((h) => h.accuracy),
    );
    assert.notEqual(second.models[0], first.models[0]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('distillation runs as jobs', () => {
  test("a student distilled from a stored graph job's nodes, in a worker process: stored, read back, and what distillTeachers gives on the same teachers; teachers not yet trained are named", async () => {
    const { initBackend } = await import('../../src/backend');
    const { trainGraphRun } = await import('../../src/jobs/graph_run');
    const { runDistillJobs } = await import('../../src/jobs/distill_runs');
    const { distillTeachers } = await import('../../src/graph/ensemble_distillation');
    const { build } = await import('../../src/models/model');
    const { createModel } = await import('../../src/models/registry');
    const { loadDataset } = await import('../../src/data/registry');
    const { randomSubset } = await import('../../src/data/splits');
    const { dmlGraph } = await import('../../src/graph/methods');
    await initBackend({ quiet: true });
    const dir = tempDir('distill-runs');
    const storage = `sqlite:${path.join(dir, 'runs.db')}`;
    const teachers = tinyRun(dmlGraph({ numClasses: 10, inputShape: [28, 28, 1], models: ['cnn4', 'cnn4'] }));
    const trained = await trainGraphRun(teachers, { storage, log: false });
    const settings = {
      knowledge: 'per-teacher' as const,
      attentionWeight: 50,
      surgery: true,
      temperature: 2,
      seed: 5,
      epochs: 2,
      batchSize: 32,
      learningRate: 0.05,
    };
    const request = { label: 'per-teacher + attention + surgery, seed 5', job: { teachers, student: { model: 'cnn4', seed: 16 }, ...settings } };
    const lines: string[] = [];
    const [first] = await runDistillJobs([request], { storage, workers: 1, log: (l) => lines.push(l), perJob: false });
    const [second] = await runDistillJobs([request], { storage, workers: 1, log: (l) => lines.push(l) });
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(.*\)$/, '')),
      ['[jobs] distillation runs: reused 0 of 1 runs', '[jobs] distillation runs: reused 1 of 1 runs'],
    );
    assert.equal(first.status, 'completed');
    assert.equal(first.history.length, 2);
    assert.deepEqual(second.history, first.history);
    assert.equal(second.reused, true);
    assert.ok(first.probabilityConflicts[0][1] + first.attentionConflicts[0][1] > 0, 'surgery counted conflicts between the two teachers');
    // in the kernel, on the same teachers and data: the same student
    const all = await loadDataset('fashion-mnist');
    const data = { train: randomSubset(all.train, 300, 1), test: randomSubset(all.test, 200, 2) };
    const student = build(createModel('cnn4', { numClasses: 10, inputShape: [28, 28, 1], seed: 16 }));
    const direct = await distillTeachers(student, trained.models, data, settings);
    assert.deepEqual(
      direct.history.map((h) => h.accuracy),
      first.history.map((h) => h.accuracy),
    );
    assert.deepEqual(direct.probabilityConflicts, first.probabilityConflicts);
    student.params.dispose();
    // teachers that were never trained in this storage: the job fails naming them
    await assert.rejects(
      runDistillJobs([{ label: 'untrained teachers', job: { ...request.job, teachers: { ...teachers, seed: 6 } } }], { storage, workers: 0, log: false }),
      /untrained teachers: failed — Error: the teachers' graph job \(cnn4 \+ cnn4, seed 6; key [0-9a-f]{12}\) is not in sqlite:.*run it there first/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('distillation job checks', () => {
  test('a bad setting or a bad teachers graph job is named; the key follows every setting', async () => {
    const { parseJob, jobKey } = await import('../../src/jobs/job');
    const { dmlGraph } = await import('../../src/graph/methods');
    const teachers = tinyRun(dmlGraph({ numClasses: 10, inputShape: [28, 28, 1], models: ['cnn4', 'cnn4'] }));
    const job = {
      kind: 'distill',
      teachers,
      student: { model: 'cnn4', seed: 1 },
      knowledge: 'ensemble',
      temperature: 2,
      seed: 5,
      epochs: 2,
      batchSize: 32,
      learningRate: 0.05,
    };
    const parsed = parseJob(job);
    assert.equal(parsed.kind, 'distill');
    assert.throws(() => parseJob({ ...job, knowledge: 'mean' }), /knowledge/);
    assert.throws(() => parseJob({ ...job, teachers: { ...teachers, epochs: 0 } }), /epochs/);
    assert.throws(() => parseJob({ ...job, kind: 'distil' }), /kind must be "graph", "trial", "cogan", "gan" or "distill"/);
    assert.notEqual(jobKey(parseJob({ ...job, surgery: true })), jobKey(parsed));
    assert.notEqual(jobKey(parseJob({ ...job, teachers: { ...teachers, seed: 6 } })), jobKey(parsed));
    assert.equal(jobKey(parseJob({ ...job, surgery: false, attentionWeight: 0 })), jobKey(parsed), 'defaults spelled out: the same job');
  });
});

describe('GAN runs as jobs', () => {
  test('a conditional GAN stored with its snapshots; read back, each restored generator scores as it did at its step', async () => {
    const { initBackend } = await import('../../src/backend');
    const { runGanJobs } = await import('../../src/jobs/gan_runs');
    const { createScorer, metricClassifier, scoreGenerators } = await import('../../src/gan');
    const { loadDataset } = await import('../../src/data/registry');
    const { randomSubset } = await import('../../src/data/splits');
    await initBackend({ quiet: true });
    const dir = tempDir('gan-runs');
    const storage = `sqlite:${path.join(dir, 'runs.db')}`;
    const job = {
      dataset: 'fashion-mnist',
      trainSize: 300,
      testSize: 200,
      seed: 4,
      imageSize: 28 as const,
      conditional: true,
      objective: 'gan' as const,
      norm: 'batch' as const,
      zDim: 8,
      baseWidth: 8,
      steps: 6,
      batchSize: 16,
      learningRate: 2e-4,
      every: 2,
      snapshots: [3, 6],
      scoring: { metricModel: 'cnn4', metricEpochs: 1, samples: 32, seed: 7 },
    };
    const lines: string[] = [];
    const [first] = await runGanJobs([{ label: 'CGAN, seed 4', job }], { storage, workers: 0, log: (l) => lines.push(l) });
    const [second] = await runGanJobs([{ label: 'CGAN, seed 4', job }], { storage, workers: 0, log: (l) => lines.push(l) });
    assert.ok(lines.some((l) => /GAN runs: reused 0 of 1 runs/.test(l)) && lines.some((l) => /GAN runs: reused 1 of 1 runs/.test(l)), lines.join('\n'));
    assert.deepEqual([first.reused, second.reused], [false, true]);
    assert.deepEqual(
      first.snapshots.map((s) => s.step),
      [3, 6],
    );
    assert.deepEqual(
      first.losses.map((l) => l.step),
      [2, 4, 6],
    );
    assert.equal(first.classes, 10);
    const all = await loadDataset('fashion-mnist');
    const reference = randomSubset(all.test, 200, 2);
    const scorer = createScorer(
      (await metricClassifier({ train: randomSubset(all.train, 300, 1), test: reference }, { model: 'cnn4', epochs: 1 })).network,
      reference,
    );
    second.snapshots.forEach((s, i) => {
      const [q] = scoreGenerators([s.generator], scorer, { samples: 32, seed: 7 });
      assert.ok(Math.abs(q.inceptionScore - first.snapshots[i].is) < 1e-5, `step ${s.step}: ${q.inceptionScore} vs ${first.snapshots[i].is}`);
    });
    // the two snapshots are different generators
    assert.notEqual(second.snapshots[0].is, second.snapshots[1].is);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a snapshot after the last step is refused, naming it', async () => {
    const { parseGanJob } = await import('../../src/jobs/job');
    const base = {
      kind: 'gan',
      dataset: 'fashion-mnist',
      trainSize: 0,
      testSize: 0,
      seed: 0,
      imageSize: 28,
      conditional: false,
      objective: 'hinge',
      norm: 'spectral',
      zDim: 8,
      baseWidth: 8,
      steps: 10,
      batchSize: 8,
      learningRate: 1e-4,
      every: 5,
      scoring: { metricModel: 'cnn4', metricEpochs: 1, samples: 8, seed: 7 },
    };
    assert.throws(() => parseGanJob({ ...base, snapshots: [5, 12] }), /snapshots: snapshot steps 12 come after the last step \(10\)/);
    assert.throws(
      () => parseGanJob({ ...base, snapshots: [5], objective: 'wgan-xx' }),
      (e: Error) => e instanceof JobSpecError && /objective/.test(e.message),
    );
    assert.equal(parseGanJob({ ...base, snapshots: [10] }).objective, 'hinge');
  });
});

describe('co-GAN runs as jobs', () => {
  test('scored co-training stored with its generators; read back, the restored generators score as the last period did', async () => {
    const { initBackend } = await import('../../src/backend');
    const { runCoGanJobs } = await import('../../src/jobs/cogan_runs');
    const { coTrainingGraph, createScorer, metricClassifier, scoreGenerators } = await import('../../src/gan');
    const { loadDataset } = await import('../../src/data/registry');
    const { randomSubset } = await import('../../src/data/splits');
    await initBackend({ quiet: true });
    const dir = tempDir('cogan-runs');
    const storage = `sqlite:${path.join(dir, 'runs.db')}`;
    const scoring = { metricModel: 'cnn4', metricEpochs: 1, samples: 32, seed: 7 };
    const job = {
      spec: coTrainingGraph(2, { transfer: 'images' }),
      dataset: 'fashion-mnist',
      trainSize: 300,
      testSize: 200,
      seed: 3,
      imageSize: 28 as const,
      zDim: 8,
      baseWidth: 8,
      norm: 'spectral' as const,
      steps: 4,
      every: 2,
      batchSize: 16,
      learningRate: 2e-4,
      scoring,
    };
    const lines: string[] = [];
    const [first] = await runCoGanJobs([{ label: 'ours, seed 3', job }], { storage, workers: 0, log: (l) => lines.push(l) });
    const [second] = await runCoGanJobs([{ label: 'ours, seed 3', job }], { storage, workers: 0, log: (l) => lines.push(l) });
    assert.ok(lines.some((l) => /co-GAN runs: reused 0 of 1 runs/.test(l)) && lines.some((l) => /co-GAN runs: reused 1 of 1 runs/.test(l)), lines.join('\n'));
    assert.equal(first.reused, false);
    assert.equal(second.reused, true);
    assert.deepEqual(second.curve, first.curve);
    assert.deepEqual(
      first.curve.map((p) => `${p.step}/G${p.generator}`),
      ['2/G1', '2/G2', '4/G1', '4/G2'],
    );
    assert.equal(first.losses.length, 2);
    const all = await loadDataset('fashion-mnist');
    const train = randomSubset(all.train, 300, 1);
    const reference = randomSubset(all.test, 200, 2);
    const scorer = createScorer((await metricClassifier({ train, test: reference }, { model: 'cnn4', epochs: 1 })).network, reference);
    const rescored = scoreGenerators(second.models.generators, scorer, { samples: 32, seed: 7 });
    rescored.forEach((r, i) =>
      assert.ok(Math.abs(r.inceptionScore - first.curve[2 + i].is) < 1e-5, `G${i + 1}: ${r.inceptionScore} vs ${first.curve[2 + i].is}`),
    );
    assert.equal(second.realInceptionScore, scorer.realInceptionScore);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('runTrainJobs on SQLite', () => {
  const dir = tempDir('jobs');
  const storage = `sqlite:${path.join(dir, 'jobs.db')}`;
  const script = path.join(dir, 'notebook.js');
  fs.writeFileSync(
    script,
    `const ktg = require(${JSON.stringify(path.join(root, 'dist'))});
ktg.initBackend({ quiet: true })
  .then(() => ktg.jobs.runTrainJobs([${JSON.stringify(train([0, 1, 2, 3], { epochs: 3, trainSize: 2000 }))}], { storage: ${JSON.stringify(storage)}, workers: 1, perJob: true }))
  .then((r) => console.log('RESULT ' + JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
`,
  );
  const notebook = () => {
    const proc = spawn(process.execPath, [script], { cwd: dir, detached: true, env: { ...process.env, KTG_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    proc.stdout.on('data', (d: Buffer) => (text += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const done = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    return { proc, done, output: () => text };
  };

  test('killed (with its worker) after a job finished, then run again: finished jobs reused, the killed one re-run once, nothing counted twice', async () => {
    const first = notebook();
    const t0 = Date.now();
    while (!/vanilla, seed \d: target/.test(first.output())) {
      assert.ok(Date.now() - t0 < 300_000, `no job finished:\n${first.output()}`);
      if ((await Promise.race([first.done, new Promise((r) => setTimeout(() => r('running'), 200))])) !== 'running')
        assert.fail(`ended before the kill:\n${first.output()}`);
    }
    process.kill(-first.proc.pid!, 'SIGKILL');
    await first.done;
    const s = openStorage(storage);
    const atKill = await s.jobs({ batch: 'retraining' });
    await s.close();
    const finished = atKill.filter((j) => j.status === 'completed');
    const wasRunning = atKill.filter((j) => j.status === 'running').map((j) => j.key);
    assert.ok(finished.length >= 1 && finished.length < 4, `${finished.length} of 4 finished before the kill`);

    const second = notebook();
    assert.equal(await second.done, 0, second.output());
    assert.match(second.output(), new RegExp(`reused ${finished.length} of 4 runs`));
    const result = JSON.parse(second.output().match(/^RESULT (.*)$/m)![1]) as Array<{ runs: Array<{ seed: number; status: string }>; reused: number }>;
    assert.deepEqual(
      result[0].runs.map((r) => [r.seed, r.status]),
      [0, 1, 2, 3].map((seed) => [seed, 'completed']),
    );
    assert.equal(result[0].reused, finished.length);
    const s2 = openStorage(storage);
    const end = await s2.jobs({ batch: 'retraining' });
    await s2.close();
    assert.equal(end.length, 4, 'one row per job, none added');
    for (const j of end) {
      assert.equal(j.status, 'completed', j.label);
      const before = finished.find((f) => f.key === j.key);
      if (before) assert.deepEqual([j.finishedAt, j.attempt, j.result], [before.finishedAt, before.attempt, before.result], `${j.label} kept as it was`);
      else assert.equal(j.attempt, wasRunning.includes(j.key) ? 2 : 1, `${j.label}: attempts`);
    }
  });
});

describe('job workers on Redis', () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedis()));
  after(async () => redis.stop());

  test('two `ktg worker --jobs` share one job list: every job run once, both worked', async () => {
    const s = openStorage(redis.url);
    const requests = graphJobsOf(train([0, 1, 2, 3, 4, 5], { epochs: 1 }));
    const keys = requests.map((r) => jobKey(parseGraphJob(r.job)));
    await s.submitJobs(requests.map((r, i) => ({ key: keys[i], batch: 'shared', label: r.label, job: r.job as unknown as Record<string, unknown> })));
    const env = { KTG_STORAGE: redis.url };
    const workers = [runCli(['worker', '--jobs', '--batch', 'shared'], { env }), runCli(['worker', '--jobs', '--batch', 'shared'], { env })];
    const codes = await Promise.all(workers.map((w) => w.done));
    assert.deepEqual(codes, [0, 0], workers.map((w) => w.output()).join('\n----\n'));
    const counts = workers.map((w) => Number(w.output().match(/worker done: (\d+) job\(s\) finished/)![1]));
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      6,
      'six jobs, each finished by one worker',
    );
    assert.ok(
      counts.every((c) => c >= 1),
      `both workers took jobs: ${counts.join(' + ')}`,
    );
    const rows = await s.jobs({ batch: 'shared' });
    assert.deepEqual(
      rows.map((r) => [r.status, r.attempt]),
      keys.map(() => ['completed', 1]),
    );
    const again = await s.submitJobs(
      requests.map((r, i) => ({ key: keys[i], batch: 'shared', label: r.label, job: r.job as unknown as Record<string, unknown> })),
    );
    assert.deepEqual(again, { completed: 6 });
    await s.close();
  });
});
