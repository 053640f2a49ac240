import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudyConfig } from '../../src/search/study_config';
import { studyProgress, StudyData } from '../../src/search/study';
import { EpochRow, TrialRow } from '../../src/search/storage/types';
import { bestGraphDot, bestSoFarFigure, scoreDistributionFigure, trialCurvesFigure } from '../../src/viz/study_figures';
import { sampleGraph, SearchSpace } from '../../src/search/space';

const config = parseStudyConfig({
  space: { nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8'] }], gates: ['through', 'cutoff'] },
  dataset: 'fashion-mnist',
  trials: 3,
  validationSize: 10,
  epochs: 4,
  batchSize: 8,
});
const curves = [[0.3, 0.4, 0.5, 0.6], [0.2], [0.35, 0.38]];
const status: TrialRow['status'][] = ['completed', 'pruned', 'pruned'];
const trials: TrialRow[] = curves.map((c, n) => ({
  study: 's',
  number: n,
  status: status[n],
  seed: n,
  attempt: 1,
  value: c[c.length - 1],
  lastEpoch: c.length,
  finishedAt: 1000 + n,
  spec: sampleGraph(config.space as SearchSpace, n, { numClasses: 10, inputShape: [28, 28, 1] }),
}));
const epochs: EpochRow[] = curves.flatMap((c, n) =>
  c.map((v, i) => ({
    study: 's',
    trial: n,
    epoch: i + 1,
    value: v,
    metrics: { accuracy: [v], ensembleAccuracy: [v], nodeLoss: [1], edgeLoss: [1] },
    seconds: 1,
  })),
);
const progress = studyProgress(config, trials);
const data: StudyData = { study: { name: 's', config, createdAt: 0 }, trials, epochs, progress, best: { trial: progress.best!, spec: progress.best!.spec! } };

test('trial curves: one line per trial, an × where ASHA stopped each pruned trial (Fig 3.10)', () => {
  const fig = trialCurvesFigure(data);
  const lines = fig.data.filter((d) => String(d.name).startsWith('trial '));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0].y, [30, 40, 50, 60]);
  const stops = fig.data.find((d) => d.name === 'stopped by ASHA')!;
  assert.deepEqual(stops.x, [1, 2]);
  assert.deepEqual(stops.y, [20, 38]);
  // 4 epochs: a tick per whole epoch (not 1.5, 2.5); 16 or more: a log axis
  assert.deepEqual((fig.layout as { xaxis: unknown }).xaxis, { title: 'epoch', type: 'linear', dtick: 1 });
  const long = trialCurvesFigure({ ...data, study: { ...data.study, config: { ...config, epochs: 32 } } });
  assert.equal((long.layout as { xaxis: { type: string } }).xaxis.type, 'log');
});

test('best so far is the running maximum in finishing order; the distribution splits completed and pruned', () => {
  const fig = bestSoFarFigure(data);
  assert.deepEqual(fig.data[1].y, [60, 60, 60]);
  const dist = scoreDistributionFigure(data);
  assert.deepEqual(
    dist.data.map((d) => (d.x as number[]).length),
    [1, 2],
  );
  assert.equal(progress.best!.number, 0);
  assert.match(bestGraphDot(data)!, /best trial 0, 60\.00 %/);
  // 4 + 1 + 2 of 3 × 4 epochs
  assert.equal(progress.budgetFraction, 7 / 12);
});
