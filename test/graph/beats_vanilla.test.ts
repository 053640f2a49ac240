/**
 * End to end on real data (Fashion-MNIST, fixed seeds): a knowledge transfer graph must beat the
 * vanilla model by a margin. KD from a label-pretrained teacher (8 epochs) speeds up a student that
 * trains 2 epochs on 1,000 images.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend';
import { Rng, subset } from '../../src/data';
import { loadDataset } from '../../src/data/registry';
import { kdGraph, trainOverSeeds, vanillaGraph } from '../../src/graph';

before(async () => initBackend({ quiet: true }));

test('KD (pretrained cnn16 teacher, T=4) beats vanilla cnn8 by ≥ 2 points on Fashion-MNIST, 3 seeds', async () => {
  const all = await loadDataset('fashion-mnist');
  const data = {
    train: subset(all.train, new Rng(1).permutation(all.train.labels.length).slice(0, 1000)),
    test: subset(all.test, new Rng(2).permutation(all.test.labels.length).slice(0, 1000)),
  };
  const base = { numClasses: 10, inputShape: [28, 28, 1] as [number, number, number] };
  const options = { epochs: 2, batchSize: 32, learningRate: 0.05, pretrainEpochs: 8 };
  const seeds = [0, 1, 2];
  const vanilla = await trainOverSeeds(vanillaGraph({ ...base, model: 'cnn8' }), data, options, seeds);
  const kd = await trainOverSeeds(kdGraph({ ...base, student: 'cnn8', teacher: 'cnn16', temperature: 4 }), data, options, seeds);
  const per = seeds.map((_, i) => `${(100 * vanilla.runs[i].targetAccuracy).toFixed(1)} → ${(100 * kd.runs[i].targetAccuracy).toFixed(1)}`).join(', ');
  console.log(`vanilla ${vanilla.mean.toFixed(2)} ± ${vanilla.std.toFixed(2)}, KD ${kd.mean.toFixed(2)} ± ${kd.std.toFixed(2)} (${per})`);
  assert.ok(kd.mean >= vanilla.mean + 2, `KD ${kd.mean.toFixed(2)} vs vanilla ${vanilla.mean.toFixed(2)}`);
  kd.runs.forEach((r, i) => assert.ok(r.targetAccuracy > vanilla.runs[i].targetAccuracy - 0.01, `seed ${i}: ${per}`));
});
