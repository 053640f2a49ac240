/**
 * The single-GAN trainer (paper 001/002): conditional generator and discriminator, every objective
 * trains (WGAN-GP needs second derivatives through the discriminator), generated images as a
 * labelled dataset, 1:1 mixes, and the model × test-set evaluation matrices.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { crossEvaluate, meanCrossEntropy } from '../../src/analysis';
import { DcganDiscriminator, DcganGenerator, ganObjectives, generatedDataset, leakyRelu02, mixHalf, trainGan } from '../../src/gan';
import { ImageDataset } from '../../src/data/dataset';
import { build } from '../../src/models/model';
import { createModel } from '../../src/models/registry';

before(async () => initBackend({ backend: 'cpu', quiet: true }));

/** 28×28 grey images: class c is a bright horizontal bar at row 2 + 2c */
function bars(n: number, classes = 4): ImageDataset {
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let x = 0; x < 28; x++) for (let dy = 0; dy < 3; dy++) images[i * 784 + (2 + 6 * labels[i] + dy) * 28 + x] = 255;
  }
  return { name: 'bars', images, labels, shape: [28, 28, 1], classes: Array.from({ length: classes }, (_, c) => `bar${c}`) };
}

test('leakyRelu02 equals LeakyReLU(0.2) and has a second derivative (WGAN-GP)', () => {
  const x = tf.tensor4d([-2, -0.5, 0.3, 4], [1, 2, 2, 1]);
  assert.deepEqual(
    Array.from(leakyRelu02(x).dataSync()).map((v) => +v.toFixed(6)),
    Array.from(tf.leakyRelu(x, 0.2).dataSync()).map((v) => +v.toFixed(6)),
  );
  const second = tf.grad((y: tf.Tensor) => tf.sum(tf.grad((z: tf.Tensor) => tf.sum(tf.square(leakyRelu02(z as tf.Tensor4D))))(y)))(x);
  // d²/dx² of leaky(x)² = 2·slope²: 2 for x > 0, 0.08 for x < 0
  assert.deepEqual(
    Array.from(second.dataSync()).map((v) => +v.toFixed(4)),
    [0.08, 0.08, 2, 2],
  );
});

test('conditional DCGAN: the label changes the image for the same z; a conditional net without labels is an error', () => {
  const g = new DcganGenerator({ imageSize: 28, channels: 1, zDim: 8, baseWidth: 8, classes: 4, seed: 1 });
  const d = new DcganDiscriminator({ imageSize: 28, channels: 1, baseWidth: 8, classes: 4, outputs: 1, seed: 2 });
  const z = tf.randomNormal([2, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
  const a = g.apply(z, false, tf.tensor1d([0, 0], 'int32')).images;
  const b = g.apply(z, false, tf.tensor1d([1, 1], 'int32')).images;
  assert.deepEqual(a.shape, [2, 28, 28, 1]);
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] > 1e-4);
  const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  // build D's variables, then perturb its label embedding so the label matters at once
  d.apply(x, false, tf.tensor1d([0, 1], 'int32'));
  const emb = d.params.trainable.get('label/embedding')!;
  emb.assign(tf.mul(emb, 100));
  const l0 = d.apply(x, false, tf.tensor1d([0, 0], 'int32')).logits.dataSync();
  const l1 = d.apply(x, false, tf.tensor1d([2, 2], 'int32')).logits.dataSync();
  assert.notDeepEqual(Array.from(l0), Array.from(l1));
  assert.throws(() => g.apply(z, false), /conditional generator needs labels/);
});

test('trainGan: every objective trains a few steps with finite losses; WGAN keeps weights clipped; snapshots arrive in order; periods of `every` steps, "stop" stops', async () => {
  const data = bars(32);
  for (const objective of ganObjectives) {
    const seen: number[] = [];
    const periods: number[] = [];
    const r = await trainGan(data, {
      imageSize: 28,
      channels: 1,
      objective,
      norm: objective === 'wgan-gp' ? 'spectral' : 'batch',
      conditional: true,
      zDim: 8,
      baseWidth: 8,
      steps: 3,
      batchSize: 8,
      snapshots: [1, 3],
      onSnapshot: (s) => void seen.push(s),
      every: 2,
      onEpoch: (period, models) => {
        periods.push(period.step);
        assert.ok(models.generator && models.discriminator);
      },
    });
    assert.equal(r.status, 'completed', objective);
    assert.deepEqual(seen, [1, 3]);
    assert.deepEqual(periods, [2, 3]);
    assert.equal(r.steps, 3);
    assert.ok(
      r.history.every((h) => Number.isFinite(h.dLoss) && Number.isFinite(h.gLoss)),
      `${objective}: ${JSON.stringify(r.history)}`,
    );
    if (objective === 'wgan') for (const v of r.models.discriminator.params.variables()) assert.ok(tf.max(tf.abs(v)).dataSync()[0] <= 0.01 + 1e-7, v.name);
  }
});

test('generated images become a labelled uint8 dataset with balanced classes; mixHalf takes half of each', async () => {
  const real = bars(40);
  const r = await trainGan(real, { imageSize: 28, channels: 1, conditional: true, zDim: 8, baseWidth: 8, steps: 1, batchSize: 8 });
  const gen = generatedDataset(r.models.generator, 10, 5, real, 'gen');
  assert.equal(gen.labels.length, 10);
  assert.deepEqual(Array.from(gen.labels), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  assert.equal(gen.images.length, 10 * 784);
  assert.deepEqual(gen.shape, [28, 28, 1]);
  const unconditional = await trainGan(real, { imageSize: 28, channels: 1, zDim: 8, baseWidth: 8, steps: 1, batchSize: 8 });
  assert.throws(() => generatedDataset(unconditional.models.generator, 4, 0, real, 'x'), /conditional generator/);
  // a period's "stop" ends the run after it (status "stopped", like every trainer)
  const stopped = await trainGan(real, { imageSize: 28, channels: 1, zDim: 8, baseWidth: 8, steps: 4, batchSize: 8, every: 1, onEpoch: () => 'stop' });
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.steps, 1);
  const black: ImageDataset = { ...real, name: 'black', images: new Uint8Array(real.images.length) };
  const white: ImageDataset = { ...real, name: 'white', images: new Uint8Array(real.images.length).fill(255) };
  const mix = mixHalf(black, white, 1);
  assert.equal(mix.labels.length, 40);
  let whites = 0;
  for (let i = 0; i < 40; i++) if (mix.images[i * 784] === 255) whites++;
  assert.equal(whites, 20);
});

test('meanCrossEntropy matches a hand computation; crossEvaluate fills model × test-set matrices', () => {
  const logits = Float32Array.from([2, 0, 0, 1, 1, 1]);
  const want = (-Math.log(Math.exp(2) / (Math.exp(2) + 2)) - Math.log(1 / 3)) / 2;
  assert.ok(Math.abs(meanCrossEntropy(logits, Int32Array.from([0, 2]), 3) - want) < 1e-6);
  const a = build(createModel('softmax', { numClasses: 4, inputShape: [28, 28, 1], seed: 1 }));
  const b = build(createModel('cnn4', { numClasses: 4, inputShape: [28, 28, 1], seed: 2 }));
  const m = crossEvaluate([a, b], [bars(8), bars(12)]);
  assert.equal(m.accuracy.length, 2);
  assert.equal(m.accuracy[0].length, 2);
  assert.ok(m.accuracy.flat().every((x) => x >= 0 && x <= 1));
  assert.ok(m.loss.flat().every((x) => Number.isFinite(x) && x > 0));
});
