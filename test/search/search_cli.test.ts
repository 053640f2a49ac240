/**
 * `ktg` end to end with real processes on real data (Fashion-MNIST from the seeded cache): a search
 * killed mid-run resumes without losing finished trials; two local workers share a Redis store;
 * a `ktg worker` killed mid-trial has its trial re-run by another, nothing lost or counted twice.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseGraphSpec } from '../../src/graph/spec';
import { readStudy, StudyData } from '../../src/search/study';
import { createOrResumeStudy } from '../../src/search/study';
import { openStorage } from '../../src/search/storage/open';
import { root, runCli, startRedis, RedisServer, tempDir } from './helpers';

const space = path.join(root, 'spaces', 'tiny.json');
const small = ['--train-size', '300', '--validation-size', '200', '--epochs', '4', '--batch-size', '32'];

/** every trial finished once, with epochs 1..lastEpoch recorded exactly once */
function assertConsistent(data: StudyData, trials: number): void {
  assert.equal(data.trials.length, trials);
  for (const t of data.trials) {
    assert.ok(['completed', 'pruned', 'failed'].includes(t.status), `trial ${t.number} is ${t.status}`);
    const epochs = data.epochs.filter((e) => e.trial === t.number).map((e) => e.epoch);
    assert.deepEqual(
      epochs,
      Array.from({ length: t.lastEpoch ?? 0 }, (_, i) => i + 1),
      `epochs of trial ${t.number}`,
    );
    if (t.status === 'completed') assert.equal(t.lastEpoch, 4);
    if (t.status === 'pruned') assert.ok([1, 2].includes(t.lastEpoch!), `pruned at a rung, got epoch ${t.lastEpoch}`);
    assert.ok(t.spec, `trial ${t.number} has its graph`);
  }
}

describe('ktg search on SQLite', () => {
  const dir = tempDir('cli');
  const storage = `sqlite:${path.join(dir, 'studies.db')}`;

  test('killed mid-run, it resumes: finished trials are kept, unfinished ones run again', async () => {
    const first = runCli(
      ['search', '--space', space, '--dataset', 'fashion-mnist', '--storage', storage, '--study', 'tiny', '--trials', '6', '--workers', '1', ...small],
      { cwd: dir },
    );
    await first.waitFor(/trial \d+ (completed|pruned)/);
    first.proc.kill('SIGKILL');
    await first.done;
    const before = await readStudy(storage, 'tiny');
    const kept = before.trials.filter((t) => t.status === 'completed' || t.status === 'pruned');
    assert.ok(kept.length >= 1 && kept.length < 6, `${kept.length} finished before the kill`);

    const second = runCli(['search', '--storage', storage, '--study', 'tiny', '--workers', '2'], { cwd: dir });
    assert.equal(await second.done, 0, second.output());
    assert.match(second.output(), new RegExp(`resuming study "tiny"[\\s\\S]*kept ${kept.length} finished trial`));
    assert.match(second.output(), /study "tiny": 6\/6 finished/);
    // the ci preset confirms the 2 best completed trials on 2 fresh seeds each
    assert.match(second.output(), /confirmation: the 2 best completed trial\(s\), each trained again on 2 fresh seed\(s\)/);
    assert.match(second.output(), /confirmed best: trial \d+ — top 2 on 2 fresh seed\(s\): trial \d+ \d+\.\d\d % ± \d+\.\d\d % \(search \d+\.\d\d %\)/);
    const afterRun = await readStudy(storage, 'tiny');
    assertConsistent(afterRun, 6);
    for (const t of kept) {
      const now = afterRun.trials[t.number];
      assert.deepEqual([now.status, now.value, now.finishedAt, now.attempt], [t.status, t.value, t.finishedAt, t.attempt], `trial ${t.number} kept as it was`);
    }
    assert.ok(afterRun.progress.byStatus.pruned >= 1, 'ASHA pruned something');
    assert.ok(afterRun.progress.budgetFraction < 1);
  });

  test('status, best and train read the study back; train reports mean ± std on the test set', async () => {
    const status = runCli(['status', '--storage', storage], { cwd: dir });
    assert.equal(await status.done, 0);
    assert.match(status.output(), /tiny\s+6\/6/);
    const best = runCli(['best', '--storage', storage, '--study', 'tiny', '--out', 'best.json', '--dot', 'best.dot'], { cwd: dir });
    assert.equal(await best.done, 0, best.output());
    assert.match(best.output(), /best trial \d+ by its confirmed mean: target accuracy \d+\.\d\d % ± \d+\.\d\d % over 2 fresh seeds/);
    const show = runCli(['show', '--storage', storage, '--study', 'tiny'], { cwd: dir });
    assert.equal(await show.done, 0, show.output());
    assert.match(show.output(), /confirmation \(top 2, 2 fresh seed\(s\) each\):[\s\S]*\(best\)/);
    const spec = parseGraphSpec(JSON.parse(fs.readFileSync(path.join(dir, 'best.json'), 'utf8')));
    assert.equal(spec.nodes[0].model, 'cnn8');
    assert.match(fs.readFileSync(path.join(dir, 'best.dot'), 'utf8'), /^digraph/);
    const train = runCli(
      [
        'train',
        '--spec',
        'best.json',
        '--dataset',
        'fashion-mnist',
        '--seeds',
        '2',
        '--epochs',
        '1',
        '--train-size',
        '300',
        '--test-size',
        '200',
        '--batch-size',
        '32',
      ],
      { cwd: dir },
    );
    assert.equal(await train.done, 0, train.output());
    assert.match(train.output(), /target node \(cnn8\) test accuracy: \d+\.\d\d ± \d+\.\d\d % over 2 seed\(s\)/);
  });

  test('ktg train --storage keeps each seed as a job: the same command again reuses both, a changed setting trains anew, new seeds run alone', async () => {
    const jobs = `sqlite:${path.join(dir, 'jobs.db')}`;
    const args = (extra: string[]) => [
      'train',
      '--spec',
      'best.json',
      '--dataset',
      'fashion-mnist',
      '--epochs',
      '1',
      '--train-size',
      '300',
      '--test-size',
      '200',
      '--batch-size',
      '32',
      '--storage',
      jobs,
      ...extra,
    ];
    const first = runCli(args(['--seeds', '2']), { cwd: dir });
    assert.equal(await first.done, 0, first.output());
    assert.match(first.output(), /reused 0 of 2 runs/);
    const accuracy = first.output().match(/test accuracy: (\d+\.\d\d ± \d+\.\d\d) %/)![1];
    const again = runCli(args(['--seeds', '2']), { cwd: dir });
    assert.equal(await again.done, 0, again.output());
    assert.match(again.output(), /reused 2 of 2 runs/);
    assert.doesNotMatch(again.output(), /epochs \|/, 'nothing trained');
    assert.equal(again.output().match(/test accuracy: (\d+\.\d\d ± \d+\.\d\d) %/)![1], accuracy, 'the stored results, unchanged');
    const changed = runCli(args(['--seeds', '2', '--lr', '0.02']), { cwd: dir });
    assert.equal(await changed.done, 0, changed.output());
    assert.match(changed.output(), /reused 0 of 2 runs/, 'another learning rate is another job');
    const more = runCli(args(['--seeds', '0,1,7']), { cwd: dir });
    assert.equal(await more.done, 0, more.output());
    assert.match(more.output(), /reused 2 of 3 runs/);
    assert.match(more.output(), /seed 7: completed/);
    const status = runCli(['status', '--storage', jobs], { cwd: dir });
    assert.equal(await status.done, 0, status.output());
    assert.match(status.output(), /train best\s+5\s+5\s+0\s+0\s+0/);
    const listing = runCli(['status', '--storage', jobs, '--batch', 'train best'], { cwd: dir });
    assert.equal(await listing.done, 0, listing.output());
    assert.match(listing.output(), /best, seed 7\s+completed\s+1\s+target \d+\.\d\d %/);
  });

  test('ktg train --labelled retrains a semi-supervised graph (FixMatch) and asks for --labelled when missing', async () => {
    const { fixMatchGraph } = await import('../../src/semi/methods');
    fs.writeFileSync(path.join(dir, 'fixmatch.json'), JSON.stringify(fixMatchGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn8' })));
    const run = runCli(
      [
        'train',
        '--spec',
        'fixmatch.json',
        '--dataset',
        'fashion-mnist',
        '--labelled',
        '40',
        '--train-size',
        '200',
        '--test-size',
        '100',
        '--epochs',
        '1',
        '--seeds',
        '1',
        '--batch-size',
        '8',
        '--unlabelled-batch',
        '32',
      ],
      { cwd: dir },
    );
    assert.equal(await run.done, 0, run.output());
    assert.match(run.output(), /semi-supervised: 40 labelled, 160 unlabelled images/);
    assert.match(run.output(), /test accuracy: \d+\.\d\d ± 0\.00 % over 1 seed/);
    const missing = runCli(['train', '--spec', 'fixmatch.json', '--dataset', 'fashion-mnist', '--epochs', '1'], { cwd: dir });
    assert.equal(await missing.done, 1);
    assert.match(missing.output(), /has semi-supervised edges: give --labelled N/);
  });

  test('Ctrl-C stops cleanly: exit 130, the running trial goes back to waiting, finished ones stay', async () => {
    const run = runCli(
      ['search', '--space', space, '--dataset', 'fashion-mnist', '--storage', storage, '--study', 'ctrlc', '--trials', '6', '--workers', '1', ...small],
      { cwd: dir },
    );
    await run.waitFor(/trial \d+ (completed|pruned)/);
    run.proc.kill('SIGINT');
    assert.equal(await run.done, 130, run.output());
    assert.match(run.output(), /interrupted; resume with: ktg search --storage \S+ --study ctrlc/);
    const data = await readStudy(storage, 'ctrlc');
    assert.equal(data.progress.byStatus.running, 0);
    assert.ok(data.progress.finished >= 1 && data.progress.finished < 6);
  });

  test('bad files and URLs: clear errors, exit code 1', async () => {
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ "nodes": [');
    fs.writeFileSync(
      path.join(dir, 'wrong.json'),
      JSON.stringify({ nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['alexnet'] }], gates: ['through'] }),
    );
    fs.writeFileSync(
      path.join(dir, 'graph.json'),
      JSON.stringify({ numClasses: 10, inputShape: [28, 28, 1], nodes: [{ model: 'cnn8', role: 'target' }], edges: [{ source: 0, target: 3 }] }),
    );
    const cases: [string[], RegExp][] = [
      [['search', '--space', 'missing.json', '--dataset', 'fashion-mnist', '--storage', storage], /cannot read search space file missing\.json: no such file/],
      [['search', '--space', 'broken.json', '--dataset', 'fashion-mnist', '--storage', storage], /broken\.json is not valid JSON/],
      [
        ['search', '--space', 'wrong.json', '--dataset', 'fashion-mnist', '--storage', storage],
        /wrong\.json: invalid search space:\s+- node 2: unknown model "alexnet"/,
      ],
      [['search', '--space', space, '--dataset', 'fashion-mnist', '--storage', 'postgres://db/x'], /unknown storage URL "postgres:\/\/db\/x"/],
      [['search', '--space', space, '--dataset', 'imagenet', '--storage', storage, '--study', 'other'], /unknown dataset "imagenet"/],
      [
        ['search', '--storage', storage, '--study', 'tiny', '--space', space, '--dataset', 'fashion-mnist', '--trials', '99'],
        /study "tiny" already exists .* different trials/,
      ],
      [['train', '--spec', 'graph.json', '--dataset', 'fashion-mnist'], /edge 0 \(0→3\): target 3 does not exist/],
      [['worker', '--storage', storage, '--study', 'nope'], /no study "nope"/],
      [['status', '--storage', 'sqlite:absent.db'], /no study storage at sqlite:absent\.db/],
      [['search', '--trials', 'many'], /expected a positive integer, got "many"/],
    ];
    for (const [args, pattern] of cases) {
      const run = runCli(args, { cwd: dir });
      const code = await run.done;
      assert.equal(code, 1, `${args.join(' ')} → exit ${code}:\n${run.output()}`);
      assert.match(run.output(), pattern);
    }
    // nothing was created by the failed commands; the existing study is untouched
    const store = openStorage(storage);
    const studies = await store.listStudies();
    await store.close();
    assert.deepEqual(
      studies.map((s) => s.name),
      ['tiny', 'ctrlc'],
    );
  });
});

describe('distributed mode on Redis', () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedis()));
  after(async () => redis?.stop());

  test('ktg search with two worker processes against a shared Redis store', async () => {
    const run = runCli(
      ['search', '--space', space, '--dataset', 'fashion-mnist', '--storage', redis.url, '--study', 'pair', '--trials', '4', '--workers', '2', ...small],
      { cwd: tempDir('redis-search') },
    );
    assert.equal(await run.done, 0, run.output());
    assert.match(run.output(), /\[worker 0\]/);
    assert.match(run.output(), /\[worker 1\]/);
    assertConsistent(await readStudy(redis.url, 'pair'), 4);
  });

  test('a worker killed mid-trial: its trial is re-run by the other, nothing lost or counted twice', async () => {
    const storage = openStorage(redis.url);
    await createOrResumeStudy(storage, 'kill', {
      space: JSON.parse(fs.readFileSync(space, 'utf8')),
      dataset: 'fashion-mnist',
      trials: 5,
      trainSize: 300,
      validationSize: 200,
      epochs: 4,
      batchSize: 32,
    });
    await storage.close();
    const args = ['worker', '--storage', redis.url, '--study', 'kill', '--lease', '2'];
    const victim = runCli(args);
    await victim.waitFor(/trial \d+ started/);
    const survivor = runCli(args);
    victim.proc.kill('SIGKILL');
    await victim.done;
    const lost = Number(/trial (\d+) started/.exec(victim.output())![1]);
    assert.equal(await survivor.done, 0, survivor.output());
    const data = await readStudy(redis.url, 'kill');
    assertConsistent(data, 5);
    const rerun = data.trials[lost];
    assert.ok(rerun.attempt >= 2, `trial ${lost} was run again (attempt ${rerun.attempt})`);
    assert.match(survivor.output(), new RegExp(`trial ${lost} started \\(attempt 2\\)`));
  });
});
