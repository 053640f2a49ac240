import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accuracy,
  attentionError,
  deltaAccuracy,
  embed2d,
  ensembleAccuracy,
  mutualKL,
  pairwiseAnalysis,
  pearson,
  Predictions,
  subsetEnsembles,
} from '../../src/analysis';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const softmax = (z: number[]) => {
  const e = z.map(Math.exp);
  const s = e.reduce((x, y) => x + y);
  return e.map((v) => v / s);
};
const kl = (p: number[], q: number[]) => p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);

test('MutualKL is the mean symmetric KL (Eq 4.2)', () => {
  const a = [
    [1, 2, 0],
    [0, 0, 3],
  ];
  const b = [
    [0.5, 0, 1],
    [2, 1, 0],
  ];
  const expected = a.map((za, i) => 0.5 * (kl(softmax(za), softmax(b[i])) + kl(softmax(b[i]), softmax(za)))).reduce((s, v) => s + v) / 2;
  close(mutualKL(Float32Array.from(a.flat()), Float32Array.from(b.flat()), 3), expected, 1e-6);
  close(mutualKL(Float32Array.from(a.flat()), Float32Array.from(a.flat()), 3), 0, 1e-12);
});

test('ensemble = argmax of the summed logits; ΔAccuracy = Acc_ens − mean accuracy (Eq 4.4); subsets', () => {
  const labels = Int32Array.from([0, 1, 2, 0]);
  // model A right on samples 0, 1; model B right on 2, 3; their sum right on 0, 2, 3
  const A = Float32Array.from([3, 0, 0, 0, 2, 0, 0, 2.5, 1, 0, 2, 0]);
  const B = Float32Array.from([0, 0, 1, 1, 0, 3, 0, 0, 3, 3, 0, 0]);
  assert.equal(accuracy(A, labels, 3), 0.5);
  assert.equal(accuracy(B, labels, 3), 0.5);
  assert.equal(ensembleAccuracy([A, B], labels, 3), 0.75);
  close(deltaAccuracy(A, B, labels, 3), 0.25);
  const p: Predictions = { logits: [A, B], attention: [Float32Array.from([1, 0]), Float32Array.from([0, 1])], labels, classes: 3, mapShape: [1, 2] };
  assert.deepEqual(
    subsetEnsembles(p).map((r) => [r.nodes, r.accuracy]),
    [
      [[0, 1], 0.75],
      [[0], 0.5],
      [[1], 0.5],
    ],
  );
  const [pair] = pairwiseAnalysis(p);
  assert.equal(pair.ensembleAccuracy, 0.75);
  assert.equal(pair.attentionError, 1);
  close(attentionError(Float32Array.from([0.6, 0.8]), Float32Array.from([0.8, 0.6])), 0.2, 1e-6);
  close(pearson([1, 2, 3], [2, 4, 6]), 1);
  close(pearson([1, 2, 3], [3, 2, 1]), -1);
});

test('UMAP and t-SNE embeddings are seeded and keep two separated clusters apart', () => {
  const rows = Array.from({ length: 40 }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i * 7 + j) * 0.3 + (i < 20 ? 0 : 5)));
  for (const method of ['umap', 'tsne'] as const) {
    const a = embed2d(rows, method, { seed: 3 });
    assert.deepEqual(embed2d(rows, method, { seed: 3 }), a, `${method} is deterministic`);
    const centre = (pts: [number, number][]) => [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
    const spread = (pts: [number, number][], c: number[]) => Math.max(...pts.map((p) => Math.hypot(p[0] - c[0], p[1] - c[1])));
    const [c1, c2] = [centre(a.slice(0, 20)), centre(a.slice(20))];
    assert.ok(
      Math.hypot(c1[0] - c2[0], c1[1] - c2[1]) > 0.5 * Math.min(spread(a.slice(0, 20), c1), spread(a.slice(20), c2)),
      `${method} separates the clusters`,
    );
  }
});

test('attention grid: one row per image, the image then one map per node', async () => {
  const { PNG } = await import('pngjs');
  const { attentionGridPng } = await import('../../src/viz/attention_grid');
  const ds = {
    name: 'x',
    images: new Uint8Array(3 * 4 * 4).fill(100),
    labels: Int32Array.from([0, 1, 2]),
    shape: [4, 4, 1] as [number, number, number],
    classes: ['a', 'b', 'c'],
  };
  const maps = [Float32Array.from({ length: 3 * 4 }, (_, i) => i % 4), Float32Array.from({ length: 3 * 4 }, () => 1)];
  const png = PNG.sync.read(Buffer.from(attentionGridPng(ds, [0, 2], maps, [2, 2], { scale: 1, padding: 1 })));
  assert.equal(png.width, 3 * (4 + 1) + 1);
  assert.equal(png.height, 2 * (4 + 1) + 1);
});

test("the trainer's ensemble node is the mean of the nodes' logits (Eq 4.10), as analysis.predict computes it", async () => {
  const { initBackend } = await import('../../src/backend');
  const { dmlGraph, trainGraph } = await import('../../src/graph');
  const { predict } = await import('../../src/analysis');
  await initBackend({ backend: 'cpu', quiet: true });
  const { toyData } = await import('../helpers/toy_data');
  const data = { train: toyData(48, 1), test: toyData(40, 2) };
  const result = await trainGraph(dmlGraph({ numClasses: 10, inputShape: [8, 8, 1], models: ['cnn8', 'cnn8', 'cnn8'] }), data, {
    epochs: 1,
    batchSize: 16,
    learningRate: 0.05,
  });
  const p = predict(result.models, data.test);
  assert.equal(result.history[0].ensembleAccuracy, ensembleAccuracy(p.logits, p.labels, p.classes));
  result.history[0].accuracy.forEach((a, i) => assert.equal(a, accuracy(p.logits[i], p.labels, p.classes)));
});
