import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { argmaxWindowMask, croppedMapLoss, fspLoss, fspMatrix, hintLoss, mapCosineSimilarity, normalizedMapMse, spatialAttention } from '../../src/losses';
import { ParamStore } from '../../src/models/layers';

before(async () => initBackend({ backend: 'cpu', quiet: true }));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('map pull (Eq 4.8) is the MSE of L2-normalised maps; map push (Eq 4.9) their cosine', () => {
  const s = [1, 2, 0, 3];
  const t = [0, 1, 1, 1];
  const ns = s.map((x) => x / norm(s));
  const nt = t.map((x) => x / norm(t));
  const mse = ns.reduce((acc, x, i) => acc + (x - nt[i]) ** 2, 0) / 4;
  const S = tf.tensor3d(s, [1, 2, 2]);
  const T = tf.tensor3d(t, [1, 2, 2]);
  close(normalizedMapMse(S, T).dataSync()[0], mse);
  close(
    mapCosineSimilarity(S, T).dataSync()[0],
    ns.reduce((acc, x, i) => acc + x * nt[i], 0),
  );
  // scale-invariant, zero for proportional maps
  close(normalizedMapMse(S, tf.mul(S, 7) as tf.Tensor3D).dataSync()[0], 0);
  // Σ_c F² attention
  assert.deepEqual(Array.from(spatialAttention(tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2])).dataSync()), [5, 25]);
});

test('windows around the source argmax: centred, shifted inside at the border, whole map when too big', () => {
  const map = tf.tensor3d(
    [
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 9, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      // second sample: argmax in the corner
      [8, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ].flat(),
    [2, 5, 5],
  );
  const m = argmaxWindowMask(map, 3).arraySync();
  assert.deepEqual(m[0], [
    [0, 0, 0, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 1, 1, 1, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(m[1], [
    [1, 1, 1, 0, 0],
    [1, 1, 1, 0, 0],
    [1, 1, 1, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ]);
  assert.equal(tf.sum(argmaxWindowMask(map, 11)).dataSync()[0], 50);
  // cropped loss = mean over sizes of the loss on each window; only cells inside the window count
  const target = tf.randomUniform([2, 5, 5], 0, 1, 'float32', 3) as tf.Tensor3D;
  const source = tf.add(map, 0.1) as tf.Tensor3D;
  const expected = tf.div(tf.add(normalizedMapMse(source, target, argmaxWindowMask(source, 3)), normalizedMapMse(source, target)), 2);
  const got = croppedMapLoss(source, target, [3, 5], 'pull');
  Array.from(got.dataSync()).forEach((v, i) => close(v, expected.dataSync()[i]));
  const outside = tf.tensor3d(
    Array.from(target.dataSync()).map((v, i) => (Math.floor((i % 25) / 5) === 0 && i < 25 ? v + 5 : v)),
    [2, 5, 5],
  );
  close(croppedMapLoss(source, outside, [3], 'push').dataSync()[0], croppedMapLoss(source, target, [3], 'push').dataSync()[0]);
});

test('FSP matrix and loss match a hand computation; mismatched stages are named', () => {
  // one sample, 2×2 maps: F1 channels (a, b), F2 one channel c
  const f1 = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
  const f2 = tf.tensor4d([1, 0, 2, 1], [1, 2, 2, 1]);
  // G[i][0] = Σ_pos F1[pos, i]·F2[pos] / 4
  assert.deepEqual(Array.from(fspMatrix(f1, f2).dataSync()), [(1 * 1 + 3 * 0 + 5 * 2 + 7 * 1) / 4, (2 * 1 + 4 * 0 + 6 * 2 + 8 * 1) / 4]);
  const g = fspMatrix(f1, f2).dataSync();
  const f2b = tf.tensor4d([0, 0, 1, 1], [1, 2, 2, 1]);
  const h = fspMatrix(f1, f2b).dataSync();
  close(fspLoss([f1, f2], [f1, f2b]).dataSync()[0], (g[0] - h[0]) ** 2 + (g[1] - h[1]) ** 2);
  assert.throws(() => fspLoss([f1, f2], [f1, tf.zeros([1, 2, 2, 3]) as tf.Tensor4D]), /stage 2 is 2×2×1 vs 2×2×3/);
});

test('FitNets hint: a 1×1 regressor maps student channels to the teacher hint; it is trainable and the loss falls', () => {
  const student = tf.randomNormal([4, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const teacher = tf.randomNormal([4, 2, 2, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
  const regressor = new ParamStore(0, 'hint/');
  const first = tf.mean(hintLoss(teacher, student, regressor)).dataSync()[0];
  assert.deepEqual(
    regressor.variables().map((v) => v.shape),
    [[1, 1, 3, 5], [5]],
  );
  const opt = tf.train.adam(0.05);
  for (let i = 0; i < 50; i++) opt.minimize(() => tf.mean(hintLoss(teacher, student, regressor)) as tf.Scalar, false, regressor.variables());
  const last = tf.mean(hintLoss(teacher, student, regressor)).dataSync()[0];
  assert.ok(last < 0.9 * first, `${first} → ${last}`);
});
