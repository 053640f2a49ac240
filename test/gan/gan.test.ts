import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { initBackend } from '../../src/backend';
import {
  classifierOutputs,
  clipWeights,
  DcganDiscriminator,
  discriminatorLoss,
  frechetDistance,
  generatorLoss,
  gradientPenalty,
  inceptionScore,
  powerIteration,
  spectralNorm,
  spectralNormalize,
} from '../../src/gan';
import { build } from '../../src/models/model';
import { createModel } from '../../src/models/registry';
import { ParamStore } from '../../src/models/layers';

before(async () => initBackend({ backend: 'cpu', quiet: true }));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const softplus = (x: number) => Math.log(1 + Math.exp(x));

test('spectral norm: power iteration converges to the largest singular value (SVD); normalised W has σ ≈ 1', () => {
  const w = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 1);
  // W as [out, kh·kw·in]
  const rows = tf.transpose(tf.reshape(w, [-1, 5])).arraySync() as number[][];
  const sigmaMax = new SingularValueDecomposition(new Matrix(rows)).diagonal[0];
  const { u, v } = powerIteration(w, tf.randomNormal([5], 0, 1, 'float32', 2) as tf.Tensor1D, 50);
  close(spectralNorm(w, u, v).dataSync()[0], sigmaMax, 1e-3 * sigmaMax);
  const p = new ParamStore(0, 'sn/');
  let normalised = w;
  for (let i = 0; i < 40; i++) normalised = spectralNormalize(p, 'w', w, true, 5);
  const rowsN = tf.transpose(tf.reshape(normalised, [-1, 5])).arraySync() as number[][];
  close(new SingularValueDecomposition(new Matrix(rowsN)).diagonal[0], 1, 1e-3);
  // inference calls leave u alone
  const before = Array.from(p.state.get('w/sn_u')!.dataSync());
  spectralNormalize(p, 'w', tf.mul(w, 3), false);
  assert.deepEqual(Array.from(p.state.get('w/sn_u')!.dataSync()), before);
});

test('an SN discriminator (k+1 outputs) has no batch norm and trains through σ', () => {
  const d = new DcganDiscriminator({ imageSize: 28, channels: 1, baseWidth: 8, norm: 'spectral', outputs: 3 });
  const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  assert.deepEqual(d.apply(x, true).logits.shape, [2, 3]);
  assert.ok(![...d.params.state.keys()].some((k) => k.includes('bn')));
  assert.ok([...d.params.state.keys()].every((k) => k.endsWith('sn_u')));
  const grads = tf.variableGrads(() => tf.sum(d.apply(x, true).logits) as tf.Scalar, d.params.variables()).grads;
  assert.ok(Object.values(grads).every((g) => Number.isFinite(tf.sum(g).dataSync()[0])));
});

test('GAN objectives match hand computations', () => {
  const real = tf.tensor1d([2, -1]);
  const fake = tf.tensor1d([0.5, -2]);
  const d = (k: Parameters<typeof discriminatorLoss>[0]) => discriminatorLoss(k, real, fake).dataSync()[0];
  const g = (k: Parameters<typeof generatorLoss>[0]) => generatorLoss(k, fake).dataSync()[0];
  close(d('gan'), (softplus(-2) + softplus(1)) / 2 + (softplus(0.5) + softplus(-2)) / 2);
  close(g('gan'), (softplus(-0.5) + softplus(2)) / 2);
  close(d('lsgan'), 0.5 * ((1 + 4) / 2) + 0.5 * ((0.25 + 4) / 2));
  close(g('lsgan'), 0.5 * ((0.25 + 9) / 2));
  close(d('wgan'), -0.75 - 0.5);
  close(g('wgan'), 0.75);
  close(d('hinge'), (0 + 2) / 2 + (1.5 + 0) / 2);
  close(g('hinge'), 0.75);
  // WGAN-GP: a linear critic D(x) = Σ w·x has gradient w everywhere → λ(‖w‖ − 1)²
  const w = tf.randomNormal([1, 4, 4, 1], 0, 0.5, 'float32', 5);
  const critic = (x: tf.Tensor4D) => tf.sum(tf.mul(x, w), [1, 2, 3]);
  const real4 = tf.randomNormal([3, 4, 4, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const fake4 = tf.randomNormal([3, 4, 4, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  close(gradientPenalty(critic, real4, fake4, 10).dataSync()[0], 10 * (tf.norm(w).dataSync()[0] - 1) ** 2, 1e-4);
  const v = tf.variable(tf.tensor1d([-1, 0.005, 2]));
  clipWeights([v], 0.01);
  assert.deepEqual(
    Array.from(v.dataSync()).map((x) => Math.round(x * 1000) / 1000),
    [-0.01, 0.005, 0.01],
  );
});

test('Inception Score: C for confident, balanced predictions, 1 for a collapsed generator', () => {
  const C = 10;
  const n = 200;
  const confident = new Float32Array(n * C);
  const collapsed = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    confident[i * C + (i % C)] = 1;
    collapsed[i * C + 3] = 1;
  }
  close(inceptionScore(confident, C, 10).mean, C, 1e-6);
  close(inceptionScore(collapsed, C, 10).mean, 1, 1e-6);
  assert.throws(() => inceptionScore(new Float32Array(5 * C), C, 10), /at least 10 samples/);
});

test('Fréchet distance: ≈ 0 for the same distribution, ‖δ‖² for a shifted copy, large for a collapsed set', () => {
  const dim = 4;
  const n = 2000;
  const a = tf.randomNormal([n, dim], 0, 1, 'float32', 1).dataSync() as Float32Array;
  const b = tf.randomNormal([n, dim], 0, 1, 'float32', 2).dataSync() as Float32Array;
  assert.ok(frechetDistance(a, b, dim) < 0.05, `${frechetDistance(a, b, dim)}`);
  const shifted = Float32Array.from(a, (x) => x + 0.5);
  close(frechetDistance(a, shifted, dim), dim * 0.25, 1e-3);
  const collapsed = new Float32Array(n * dim).fill(0.1).map((x, i) => x + (i % 7) * 1e-3);
  assert.ok(frechetDistance(a, collapsed, dim) > 3);
});

test('classifier outputs give probabilities and penultimate features per image', () => {
  const net = build(createModel('cnn8', { numClasses: 10, inputShape: [8, 8, 1], seed: 1 }));
  const out = classifierOutputs(net, tf.randomUniform([5, 8, 8, 1], -1, 1, 'float32', 2) as tf.Tensor4D, 2);
  assert.equal(out.probs.length, 50);
  assert.equal(out.dim, 32);
  assert.equal(out.features.length, 5 * 32);
  for (let i = 0; i < 5; i++)
    close(
      out.probs.slice(i * 10, i * 10 + 10).reduce((s, x) => s + x, 0),
      1,
      1e-5,
    );
});

test('transfer loss is α × the mean over positions of squared differences of per-sample L2-normalised images (Eq 5) or attention maps (Eq 3–4), averaged over the two layers', async () => {
  const { transferLoss } = await import('../../src/losses');
  const map = (values: number[]) => tf.tensor4d(values, [1, 1, values.length, 1]);
  const source = { images: map([3, 4]), features: [map([5, 5]), map([2, 0]), map([1, 1]), map([1, 2])] };
  const target = { images: map([1, 0]), features: [map([0, 1]), map([0, 3]), map([1, 0]), map([1, 2])] };
  // images: n(3,4) = (0.6, 0.8), n(1,0) = (1, 0) → (0.16 + 0.64) / 2 pixels × 1000
  close(transferLoss(source, target, 'images', 1000).dataSync()[0], 400, 1e-3);
  // Q = F² (C = 1); layer 1: n(4,0) vs n(0,9) → (1 + 1)/2 = 1; layer 2: n(1,1) vs n(1,0) → ((1 − 1/√2)² + 1/2)/2; layer 3 equal → 0
  const layer2 = ((1 - Math.SQRT1_2) ** 2 + 0.5) / 2;
  close(transferLoss(source, target, 'input-side', 1000).dataSync()[0], (1000 * (1 + layer2)) / 2, 1e-3);
  close(transferLoss(source, target, 'output-side', 1000).dataSync()[0], (1000 * (layer2 + 0)) / 2, 1e-3);
  // the first feature map (right after z) is never compared
  close(
    transferLoss(source, { ...target, features: [map([9, 0]), ...target.features.slice(1)] }, 'input-side', 1000).dataSync()[0],
    (1000 * (1 + layer2)) / 2,
    1e-3,
  );
  // a 32×32 generator has two up-sampling maps: input side compares the first, output side the second
  const two = (o: typeof source) => ({ images: o.images, features: o.features.slice(0, 3) });
  close(transferLoss(two(source), two(target), 'input-side', 1000).dataSync()[0], 1000 * 1, 1e-3);
  close(transferLoss(two(source), two(target), 'output-side', 1000).dataSync()[0], 1000 * layer2, 1e-3);
});

test('co-training: D loss is Eq 1; a transfer edge gives its source no gradient; a tiny MAD-GAN + transfer run trains without tensor growth', async () => {
  const { discriminatorCoLoss, trainCoGan, createCoGan } = await import('../../src/gan');
  const { parseGanGraphSpec } = await import('../../src/graph/spec');
  const { crossEntropy, transferLoss } = await import('../../src/losses');
  const real = tf.tensor2d([
    [0.1, 0.2, 2],
    [1, 0, 0],
  ]);
  const f1 = tf.tensor2d([
    [2, 0, 0],
    [0.5, 0.5, 0.5],
  ]);
  const f2 = tf.tensor2d([
    [0, 1, 0],
    [0, 3, 1],
  ]);
  const want =
    tf.mean(crossEntropy(tf.tensor1d([2, 2], 'int32'), real)).dataSync()[0] +
    tf.mean(crossEntropy(tf.tensor1d([0, 0], 'int32'), f1)).dataSync()[0] +
    tf.mean(crossEntropy(tf.tensor1d([1, 1], 'int32'), f2)).dataSync()[0];
  close(discriminatorCoLoss(real, [f1, f2]).dataSync()[0], want);
  const through = { name: 'through' as const };
  const spec = parseGanGraphSpec({
    kind: 'gan',
    nodes: [{ model: 'dcgan' }, { model: 'dcgan' }],
    edges: [
      { source: 0, target: 1, loss: 'adversarial', gate: through },
      { source: 0, target: 2, loss: 'adversarial', gate: through },
      { source: 1, target: 2, loss: 'output-side', gate: through },
    ],
  });
  const gans = createCoGan(spec, { imageSize: 28, channels: 1, baseWidth: 8, zDim: 8 });
  const z = tf.randomNormal([3, 8], 0, 1, 'float32', 4) as tf.Tensor2D;
  tf.tidy(() => {
    gans.generators.forEach((g) => g.apply(z, false));
  });
  for (const kind of ['images', 'input-side', 'output-side'] as const) {
    const { grads } = tf.variableGrads(
      () => tf.mean(transferLoss(gans.generators[0].apply(z, true), gans.generators[1].apply(z, true), kind, 1000)) as tf.Scalar,
      [...gans.generators[0].params.variables(), ...gans.generators[1].params.variables()],
    );
    for (const v of gans.generators[0].params.variables())
      assert.ok(!grads[v.name] || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0, `${kind}: source ${v.name} got gradient`);
    assert.ok(
      gans.generators[1].params.variables().some((v) => grads[v.name] && tf.max(tf.abs(grads[v.name])).dataSync()[0] > 0),
      `${kind}: target gets gradient`,
    );
  }
  assert.throws(
    () => parseGanGraphSpec({ ...spec, edges: [...spec.edges, { source: 1, target: 3, loss: 'images', gate: through }] }),
    /edge 3 \(1→3, images\): target 3 does not exist \(nodes 1\.\.2\)/,
  );
  // the old co-GAN spec of stored studies reads as the same graph
  assert.deepEqual(parseGanGraphSpec({ generators: 2, edges: [{ source: 1, target: 2, kind: 'output-side', gate: through }] }), spec);
  const { toyData } = await import('../helpers/toy_data');
  const data = { ...toyData(64, 1) };
  const images = new Uint8Array(64 * 28 * 28);
  for (let i = 0; i < 64; i++)
    for (let p = 0; p < 28 * 28; p++) images[i * 784 + p] = data.images[i * 64 + (Math.floor(Math.floor(p / 28) / 3.5) * 8 + Math.floor((p % 28) / 3.5))];
  const ds = { ...data, images, shape: [28, 28, 1] as [number, number, number] };
  let tensors = -1;
  const checkpoints: number[] = [];
  const result = await trainCoGan(spec, ds, {
    imageSize: 28,
    channels: 1,
    baseWidth: 8,
    zDim: 8,
    steps: 4,
    batchSize: 8,
    every: 2,
    onEpoch: (period, models) => {
      checkpoints.push(period.step);
      assert.equal(models.generators.length, 2);
      if (tensors < 0) tensors = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, tensors, 'tensor count grew');
    },
  });
  assert.equal(result.status, 'completed');
  assert.deepEqual(checkpoints, [2, 4]);
  assert.equal(result.steps, 4);
  assert.deepEqual(
    result.history.map((h) => h.epoch),
    [1, 2],
  );
  assert.ok(result.history.every((h) => Number.isFinite(h.dLoss) && h.gLoss.length === 2 && h.gLoss.every(Number.isFinite)));
});
