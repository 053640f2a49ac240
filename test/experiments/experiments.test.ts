/** The experiments module: runs over seeds, scored co-training, reading finished studies. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { ImageDataset } from '../../src/data/dataset';
import { completedValues, finalMetrics, lastEpochRow, overSeeds, pairedByTrial, scoredCoTraining } from '../../src/experiments';
import { classifierNetwork, coTrainingGraph, createScorer } from '../../src/gan';
import { build } from '../../src/models/model';
import { createModel } from '../../src/models/registry';

before(async () => initBackend({ backend: 'cpu', quiet: true }));

test('overSeeds runs one seed at a time, in order; finalMetrics is the last period or a clear error', async () => {
  const log: string[] = [];
  const results = await overSeeds([7, 3, 5], async (seed, i) => {
    log.push(`start ${seed}`);
    await new Promise((r) => setTimeout(r, 5 * (3 - i)));
    log.push(`end ${seed}`);
    return seed * 10 + i;
  });
  assert.deepEqual(results, [70, 31, 52]);
  assert.deepEqual(log, ['start 7', 'end 7', 'start 3', 'end 3', 'start 5', 'end 5']);
  assert.deepEqual(finalMetrics({ status: 'completed', history: [{ a: 1 }, { a: 2 }] }), { a: 2 });
  assert.throws(
    () => finalMetrics({ status: 'diverged', error: 'loss NaN at step 3', history: [] }),
    /no finished epoch \(status diverged: loss NaN at step 3\)/,
  );
});

test('lastEpochRow and completedValues read a study the way paired GAN searches compare it', () => {
  const epochs = [
    { trial: 0, epoch: 1, value: 1.1, metrics: {}, seconds: 1 },
    { trial: 0, epoch: 3, value: 1.3, metrics: {}, seconds: 1 },
    { trial: 0, epoch: 2, value: 1.2, metrics: {}, seconds: 1 },
    { trial: 1, epoch: 1, value: 2, metrics: {}, seconds: 1 },
  ];
  assert.equal(lastEpochRow({ epochs } as never, { number: 0 })?.value, 1.3);
  assert.equal(lastEpochRow({ epochs } as never, { number: 9 }), undefined);
  const trials = [
    { number: 0, status: 'completed', value: 1.3 },
    { number: 1, status: 'pruned', value: 2 },
    { number: 2, status: 'completed', value: NaN },
    { number: 3, status: 'completed', value: 0.9 },
  ];
  assert.deepEqual(
    [...completedValues({ trials } as never)],
    [
      [0, 1.3],
      [3, 0.9],
    ],
  );
  // paired by trial number: only trials both studies completed, in trial order
  const other = [
    { number: 3, status: 'completed', value: 1.5 },
    { number: 0, status: 'completed', value: 1.0 },
    { number: 2, status: 'completed', value: 4 },
  ];
  assert.deepEqual(pairedByTrial({ trials } as never, { trials: other } as never), { better: [1.3, 0.9], baseline: [1.0, 1.5] });
});

test('scoredCoTraining scores every generator after every period and keeps each at its best IS', async () => {
  const n = 32;
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    for (let x = 0; x < 28; x++) images[i * 784 + (2 + 6 * labels[i]) * 28 + x] = 255;
  }
  const data: ImageDataset = { name: 'bars', images, labels, shape: [28, 28, 1], classes: ['a', 'b', 'c', 'd'] };
  const network = classifierNetwork(build(createModel('cnn4', { numClasses: 4, inputShape: [28, 28, 1], seed: 3 })), 'untrained cnn4');
  const scorer = createScorer(network, data, 2);
  const run = await scoredCoTraining(
    coTrainingGraph(2, { transfer: 'images' }),
    data,
    { imageSize: 28, channels: 1, baseWidth: 8, zDim: 8, steps: 4, batchSize: 8, every: 2 },
    scorer,
    { samples: 16, seed: 7 },
  );
  assert.equal(run.status, 'completed');
  assert.equal(run.models.generators.length, 2);
  assert.deepEqual(
    run.curve.map((p) => `${p.step}/G${p.generator}`),
    ['2/G1', '2/G2', '4/G1', '4/G2'],
  );
  for (const g of [1, 2]) {
    const mine = run.curve.filter((p) => p.generator === g);
    assert.equal(run.best[g - 1].is, Math.max(...mine.map((p) => p.is)));
  }
  assert.equal(run.top.is, Math.max(run.best[0].is, run.best[1].is));
  assert.ok(run.curve.every((p) => Number.isFinite(p.is) && p.is >= 1 - 1e-6 && Number.isFinite(p.fid)));
});
