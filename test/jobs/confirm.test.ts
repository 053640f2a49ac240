/**
 * The confirmation stage on a tiny real study (Fashion-MNIST): the top-k completed trials are
 * trained again on fresh seeds; the study's best is the trial with the best confirmed mean; a
 * confirmation job reproduces its trial exactly when given the trial's own seed; re-running the
 * stage reuses every stored run.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { confirmationCandidates, confirmationJobs, confirmationSeed } from '../../src/jobs/confirm';
import { parseJob } from '../../src/jobs/job';
import { confirmStudy } from '../../src/jobs/run_confirm';
import { runTrialJob } from '../../src/jobs/run_trial_job';
import { createOrResumeStudy, readStudy } from '../../src/search/study';
import { openStorage } from '../../src/search/storage/open';
import { trialSeed } from '../../src/search/study_config';
import { runWorker } from '../../src/search/worker';
import { confirmationFigure } from '../../src/viz/study_figures';
import { tempDir } from '../search/helpers';

before(async () => initBackend({ quiet: true }));

const space = { nodes: [{ role: 'target' as const, models: ['cnn8'] }, { models: ['cnn4', 'cnn8'] }], gates: ['through' as const, 'cutoff' as const] };

test('a tiny study: the top 2 trials confirmed on 2 fresh seeds each; the best is the best confirmed mean; a re-run reuses all', async () => {
  const url = `sqlite:${path.join(tempDir('confirm'), 's.db')}`;
  const storage = openStorage(url);
  try {
    await createOrResumeStudy(storage, 'tiny', {
      space,
      dataset: 'fashion-mnist',
      trials: 4,
      trainSize: 256,
      validationSize: 128,
      epochs: 2,
      batchSize: 32,
      learningRate: 0.05,
      pruner: { kind: 'none' },
      confirm: { top: 2, seeds: 2 },
    });
    assert.equal(await runWorker(storage, 'tiny'), 4);
    const before = await readStudy(storage, 'tiny');
    assert.equal(before.confirmation?.complete, false, 'nothing confirmed yet');
    assert.equal(before.best?.trial.number, before.searchBest?.trial.number, 'until then the best is the best search value');

    const logs: string[] = [];
    const c = await confirmStudy(url, 'tiny', { workers: 0, log: (l) => logs.push(l) });
    assert.ok(c.complete);
    const top = confirmationCandidates(before.trials, 2);
    assert.deepEqual(
      c.trials.map((t) => t.number),
      top.map((t) => t.number),
      'the two best search values',
    );
    for (const t of c.trials) {
      assert.equal(t.values.length, 2);
      assert.ok(
        t.values.every((v) => v > 0.05 && v <= 1),
        `trial ${t.number}: ${t.values}`,
      );
      assert.ok(Math.abs(t.mean - (t.values[0] + t.values[1]) / 2) < 1e-12);
      assert.deepEqual(
        t.seeds,
        [0, 1].map((j) => confirmationSeed('tiny', before.study.config, t.number, j)),
      );
      assert.ok(!t.seeds.includes(trialSeed('tiny', before.study.config, t.number)), 'fresh seeds, not the trial own');
    }
    const bestMean = Math.max(...c.trials.map((t) => t.mean));
    assert.equal(c.best!.mean, bestMean);
    const after = await readStudy(storage, 'tiny');
    assert.equal(after.best!.trial.number, c.best!.number, 'the study best is the best confirmed mean');
    assert.equal(after.best!.confirmed!.mean, bestMean);
    assert.ok(confirmationFigure(after), 'the search-vs-confirmed figure has data');

    const again = await confirmStudy(url, 'tiny', { workers: 0, log: (l) => logs.push(l) });
    assert.deepEqual(again, c);
    assert.match(logs.join('\n'), /confirm tiny: reused 4 of 4 runs/);

    // a trial job given the trial's own seed retrains it exactly: the stage measures the graph, not a different set-up
    const [job] = confirmationJobs('tiny', after.study.config, after.trials);
    const own = parseJob({ ...job.job, seed: trialSeed('tiny', after.study.config, job.job.trial) });
    const rerun = await runTrialJob(own as Extract<ReturnType<typeof parseJob>, { kind: 'trial' }>);
    assert.ok(rerun !== 'aborted');
    assert.equal(rerun.value, after.trials[job.job.trial].value);
  } finally {
    await storage.close();
  }
});
