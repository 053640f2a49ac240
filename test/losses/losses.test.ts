import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { klDivergence, crossEntropy, distillation, pearsonDistance, cosineSimilarity, attentionTransfer, temperatureSoftmax } from '../../src/losses';

before(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const softmax = (z: number[], T = 1) => {
  const e = z.map((v) => Math.exp(v / T));
  const s = e.reduce((x, y) => x + y);
  return e.map((v) => v / s);
};
const kl = (p: number[], q: number[]) => p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);

test('KL, CE and KD match hand computations', () => {
  const zs = [1, 2, 0.5];
  const zt = [0.2, -1, 3];
  const ps = softmax(zs);
  close(klDivergence(tf.tensor2d([ps]), tf.tensor2d([zt])).dataSync()[0], kl(ps, softmax(zt)));
  close(crossEntropy(tf.tensor1d([2], 'int32'), tf.tensor2d([zt])).dataSync()[0], -Math.log(softmax(zt)[2]));
  const T = 4;
  close(distillation(tf.tensor2d([zs]), tf.tensor2d([zt]), T).dataSync()[0], T * T * kl(softmax(zs, T), softmax(zt, T)));
  // KL against a one-hot source equals cross-entropy (Eq 3.1)
  close(klDivergence(tf.tensor2d([[0, 0, 1]]), tf.tensor2d([zt])).dataSync()[0], -Math.log(softmax(zt)[2]), 1e-4);
  // higher temperature flattens the distribution (Fig 2.3)
  const flat = temperatureSoftmax(tf.tensor2d([zt]), 10).dataSync();
  assert.ok(Math.max(...flat) < Math.max(...softmax(zt)));
});

test('Pearson distance and cosine similarity', () => {
  close(pearsonDistance(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[2, 4, 6]])).dataSync()[0], 0);
  close(pearsonDistance(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[3, 2, 1]])).dataSync()[0], 2);
  close(cosineSimilarity(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 1]])).dataSync()[0], Math.SQRT1_2);
});

test('attention transfer: Σ_c F², L2-normalised, L2 distance', () => {
  // 1×1×2 maps with 2 channels: Q_s = [1+0, 0+4] = [1, 4]; Q_t = [4, 1]
  const fs = tf.tensor4d([1, 0, 0, 2], [1, 1, 2, 2]);
  const ft = tf.tensor4d([2, 0, 0, 1], [1, 1, 2, 2]);
  const n = Math.sqrt(17);
  close(attentionTransfer(fs, ft).dataSync()[0], Math.hypot(1 / n - 4 / n, 4 / n - 1 / n));
});
