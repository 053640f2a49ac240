/**
 * The native (oneDNN) backend against tfjs's cpu kernels: every kernel it replaces on random shapes
 * (relative error ≤ 1e-4), the fused training batch norm (+ ReLU) and residual add + ReLU against the composed ops, the fused
 * optimizers against tfjs's own, the absence of leaks over 1,000 steps, and a short real training run
 * that matches the wasm backend within seed noise.
 * `npm test` builds the addon first (npm run setup:system); without it these tests fail, naming why.
 */
import { before, describe, it } from 'node:test';
import { spawnSync } from 'child_process';
import * as path from 'path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, switchBackend } from '../../src/backend';
import { loadNativeAddon } from '../../src/backend/native/addon';
import { Rng, subset } from '../../src/data';
import { loadDataset } from '../../src/data/registry';
import { trainOverSeeds, vanillaGraph } from '../../src/graph';
import { trainingBatchNorm } from '../../src/models/batch_norm';
import { addRelu } from '../../src/models/residual';
import { batchNormRelu, ParamStore } from '../../src/models/layers';
import { SmallCnn } from '../../src/models/small_cnn';
import { build, trainableVariables } from '../../src/models/model';
import { Adam, SgdMomentum } from '../../src/optim';
import { onBackend, relError } from '../helpers/backend_compare';

async function assertSame(fn: () => tf.Tensor[], what: string, tolerance = 1e-4): Promise<void> {
  const reference = await onBackend('cpu', fn);
  const ours = await onBackend('native', fn);
  ours.forEach((v, i) => {
    const e = relError(v, reference[i]);
    assert.ok(e <= tolerance, `${what}, output ${i}: relative error ${e.toExponential(2)}`);
  });
}

interface ConvCase {
  x: [number, number, number, number];
  k: number;
  filters: number;
  stride: number;
  pad: 'same' | 'valid' | number;
  dilation?: number;
}

const fixedCases: ConvCase[] = [
  { x: [1, 7, 9, 3], k: 3, filters: 5, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 4], k: 3, filters: 6, stride: 2, pad: 'same' },
  { x: [2, 9, 7, 2], k: 3, filters: 3, stride: 2, pad: 'same' },
  { x: [1, 8, 8, 2], k: 3, filters: 2, stride: 2, pad: 'valid' },
  { x: [2, 8, 8, 4], k: 1, filters: 8, stride: 2, pad: 'valid' },
  { x: [1, 5, 5, 6], k: 1, filters: 3, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], k: 4, filters: 5, stride: 2, pad: 1 },
  { x: [1, 11, 10, 2], k: 3, filters: 4, stride: 1, pad: 'same', dilation: 2 },
  { x: [3, 13, 13, 5], k: 3, filters: 7, stride: 3, pad: 'valid' },
];

/** seeded random cases: batch 1–3, odd and even sizes, 1×1/3×3/5×5, stride 1–2, same/valid */
function randomCases(count: number): ConvCase[] {
  const rng = new Rng(2026);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)];
  return Array.from({ length: count }, () => {
    const k = pick([1, 3, 3, 5]);
    const h = k + Math.floor(rng.next() * 10);
    return {
      x: [pick([1, 2, 3]), h, h + pick([0, 1, 3]), pick([1, 3, 4, 16])],
      k,
      filters: pick([1, 5, 8, 16]),
      stride: pick([1, 2]),
      pad: pick<'same' | 'valid'>(['same', 'valid']),
    };
  });
}

function describeCase(c: ConvCase): string {
  return `x ${c.x.join('×')}, ${c.k}×${c.k}→${c.filters}, stride ${c.stride}, pad ${c.pad}${c.dilation ? `, dilation ${c.dilation}` : ''}`;
}

function convAndGradients(c: ConvCase): () => tf.Tensor[] {
  return () => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([c.k, c.k, c.x[3], c.filters], 0, 1, 'float32', 2) as tf.Tensor4D;
    const conv = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.conv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dilation ?? 1);
    const y = conv(x, w);
    if ((c.dilation ?? 1) > 1) return [y]; // tfjs has no gradient for dilated convolutions
    const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
    const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx as tf.Tensor4D, ww as tf.Tensor4D), probe)))([x, w]);
    return [y, ...grads];
  };
}

before(async () => {
  const loaded = loadNativeAddon();
  assert.ok('addon' in loaded, `the native backend is not available: ${'reason' in loaded ? loaded.reason : ''}`);
  await initBackend({ backend: 'native', quiet: true });
});

describe('native kernels vs the cpu backend', () => {
  for (const c of [...fixedCases, ...randomCases(16)]) {
    it(`conv2d forward${(c.dilation ?? 1) > 1 ? '' : ', dx and dW'}: ${describeCase(c)}`, async () => assertSame(convAndGradients(c), describeCase(c)));
  }

  for (const [inShape, k, outC, stride, pad] of [
    [[2, 4, 4, 6], 4, 3, 2, 'same'],
    [[1, 7, 7, 8], 4, 4, 2, 'same'],
    [[2, 5, 5, 3], 3, 2, 1, 'valid'],
  ] as Array<[[number, number, number, number], number, number, number, 'same' | 'valid']>) {
    it(`conv2dTranspose ${inShape.join('×')} ${k}×${k} stride ${stride} ${pad}, with gradients`, async () => {
      await assertSame(() => {
        const z = tf.randomNormal(inShape, 0, 1, 'float32', 4) as tf.Tensor4D;
        const w = tf.randomNormal([k, k, outC, inShape[3]], 0, 1, 'float32', 5) as tf.Tensor4D;
        const out = pad === 'same' ? inShape[1] * stride : (inShape[1] - 1) * stride + k;
        const f = (zz: tf.Tensor, ww: tf.Tensor) => tf.conv2dTranspose(zz as tf.Tensor4D, ww as tf.Tensor4D, [inShape[0], out, out, outC], stride, pad);
        const y = f(z, w);
        const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 6);
        return [y, ...tf.grads((zz: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(zz, ww), probe)))([z, w])];
      }, 'conv2dTranspose');
    });
  }

  for (const [a, b, ta, tb] of [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 3, 6], [4, 6, 2], false, false],
    [[1, 3, 6], [4, 6, 2], false, false],
    [[4, 6, 3], [1, 2, 6], true, true],
    [[64, 1], [64, 1], true, false],
  ] as Array<[number[], number[], boolean, boolean]>) {
    it(`matMul ${a.join('×')}${ta ? 'ᵀ' : ''} · ${b.join('×')}${tb ? 'ᵀ' : ''}`, async () => {
      await assertSame(() => [tf.matMul(tf.randomNormal(a, 0, 1, 'float32', 7), tf.randomNormal(b, 0, 1, 'float32', 8), ta, tb)], 'matMul');
    });
  }

  for (const [shape, size, stride, pad] of [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[1, 9, 7, 4], 2, 2, 'valid'],
    [[2, 9, 9, 2], 3, 2, 'same'],
    [[1, 6, 6, 5], 3, 1, 'same'],
  ] as Array<[[number, number, number, number], number, number, 'same' | 'valid']>) {
    it(`maxPool ${size}×${size} stride ${stride} ${pad} on ${shape.join('×')}, with gradient`, async () => {
      await assertSame(() => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 9) as tf.Tensor4D;
        const y = tf.maxPool(x, size, stride, pad);
        const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 10);
        return [y, tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, size, stride, pad), probe)))(x)];
      }, 'maxPool');
    });
  }

  it('Identity (tf.clone) shares the buffer and keeps it alive until the last owner is disposed', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    assert.deepEqual([...b.dataSync()], [1, 2, 3]);
    b.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('fused training batch norm (+ ReLU) vs the composed op on cpu', () => {
  for (const shape of [
    [4, 5, 5, 3],
    [2, 7, 3, 8],
    [16, 6],
  ] as number[][]) {
    for (const relu of [false, true]) {
      it(`${shape.join('×')}${relu ? ' + ReLU' : ''}: output, batch statistics and gradients`, async () => {
        await assertSame(() => {
          const x = tf.randomNormal(shape, 0.5, 2, 'float32', 11);
          const gamma = tf.randomUniform([shape[shape.length - 1]], 0.5, 1.5, 'float32', 12) as tf.Tensor1D;
          const beta = tf.randomNormal([shape[shape.length - 1]], 0, 1, 'float32', 13) as tf.Tensor1D;
          const stats: tf.Tensor[] = [];
          const y = trainingBatchNorm(x, gamma, beta, 1e-3, {
            relu,
            onStats: ({ mean, variance }) => stats.push(tf.keep(mean.clone()), tf.keep(variance.clone())),
          });
          const probe = tf.randomNormal(shape, 0, 1, 'float32', 14);
          const grads = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(trainingBatchNorm(xx, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, { relu }), probe)),
          )([x, gamma, beta]);
          return [y, ...stats, ...grads];
        }, `batch norm ${shape}`);
      });
    }
  }

  it('running averages after three training batches (one fused update per layer on native)', async () => {
    await assertSame(() => {
      const p = new ParamStore(3);
      for (let step = 0; step < 3; step++) batchNormRelu(p, 'bn', tf.randomNormal([4, 3, 3, 5], step, 1 + step, 'float32', 30 + step), true, { momentum: 0.8 });
      return ['bn/moving_mean', 'bn/moving_variance'].map((name) => tf.clone(p.state.get(name)!));
    }, 'running averages');
  });

  it('a gradient through it can be differentiated again (as WGAN-GP does)', async () => {
    await assertSame(
      () => {
        const x = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 15);
        const gamma = tf.randomUniform([2], 0.5, 1.5, 'float32', 16) as tf.Tensor1D;
        const beta = tf.randomNormal([2], 0, 1, 'float32', 17) as tf.Tensor1D;
        const probe = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 18);
        const penalty = (g: tf.Tensor) => {
          const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.square(trainingBatchNorm(xx, g as tf.Tensor1D, beta, 1e-3, { relu: true })), probe)))(x);
          return tf.sum(tf.square(dx));
        };
        return [tf.grad(penalty)(gamma)];
      },
      'second-order batch norm',
      1e-3,
    );
  });
});

describe('fused residual add + ReLU and the multithreaded Add vs the composed ops on cpu', () => {
  // sizes below and above the size where Add leaves the wasm kernel for oneDNN
  for (const shape of [
    [2, 5, 5, 3],
    [8, 16, 16, 16],
  ] as number[][]) {
    it(`${shape.join('×')}: max(a + b, 0), a + b and their gradients`, async () => {
      await assertSame(() => {
        const a = tf.randomNormal(shape, 0, 1, 'float32', 21);
        const b = tf.randomNormal(shape, 0, 1, 'float32', 22);
        const probe = tf.randomNormal(shape, 0, 1, 'float32', 23);
        const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), probe));
        // b is used twice, so its gradient is summed (an Add of two gradients)
        const residual = (x: tf.Tensor, y: tf.Tensor) => tf.mul(addRelu(x, y), tf.sigmoid(y));
        return [
          addRelu(a, b),
          tf.add(a, b),
          ...tf.grads(loss(addRelu))([a, b]),
          ...tf.grads(loss(residual))([a, b]),
          ...tf.grads(loss((x, y) => tf.add(x, y)))([a, b]),
        ];
      }, `residual ${shape}`);
    });
  }

  it('the gradient is exactly zero where the output is zero, dy where it is positive', async () => {
    await tf.setBackend('native');
    const a = tf.tensor([1, -2, 0.5, -0.5]);
    const b = tf.tensor([-3, 1, 0.25, 0.5]);
    const dy = tf.tensor([10, 20, 30, 40]);
    const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(addRelu(x, y), dy)))([a, b]);
    assert.deepEqual([...addRelu(a, b).dataSync()], [0, 0, 0.75, 0]);
    assert.deepEqual([...da.dataSync()], [0, 0, 30, 0]);
    assert.deepEqual([...db.dataSync()], [0, 0, 30, 0]);
  });

  it('a gradient through it can be differentiated again', async () => {
    await assertSame(() => {
      const a = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 24);
      const b = tf.randomNormal([3, 4, 4, 2], 0, 1, 'float32', 25);
      const penalty = (y: tf.Tensor) => tf.sum(tf.square(tf.grad((x: tf.Tensor) => tf.sum(tf.square(addRelu(x, y))))(a)));
      return [tf.grad(penalty)(b)];
    }, 'second-order residual');
  });
});

describe('fused optimizers vs tfjs optimizers on cpu', () => {
  /** three steps on a fixed quadratic-ish loss; returns the final variable values */
  const run = (make: () => tf.Optimizer, decayInLoss: number) => () => {
    const w = tf.variable(tf.randomNormal([5, 4], 0, 1, 'float32', 19), true, `w${Math.random()}`);
    const b = tf.variable(tf.randomNormal([4], 0, 1, 'float32', 20), true, `b${Math.random()}`);
    const x = tf.randomNormal([8, 5], 0, 1, 'float32', 21);
    const optimizer = make();
    for (let s = 0; s < 3; s++) {
      optimizer.minimize(
        () => {
          const loss = tf.mean(tf.square(tf.sin(tf.add(tf.matMul(x, w), b)))) as tf.Scalar;
          return decayInLoss > 0 ? (tf.add(loss, tf.mul(0.5 * decayInLoss, tf.sum(tf.square(w)))) as tf.Scalar) : loss;
        },
        false,
        [w, b],
      );
    }
    const out = [w.clone(), b.clone()];
    optimizer.dispose();
    w.dispose();
    b.dispose();
    return out;
  };

  const compare = async (ours: () => tf.Optimizer, reference: () => tf.Optimizer, decay: number, what: string) => {
    const expected = await onBackend('cpu', run(reference, decay));
    for (const backend of ['cpu', 'native']) {
      const got = await onBackend(backend, run(ours, 0));
      got.forEach((v, i) => assert.ok(relError(v, expected[i]) <= 1e-5, `${what} on ${backend}, variable ${i}: ${relError(v, expected[i])}`));
    }
  };

  it('SGD with Nesterov momentum and weight decay = tf.train.momentum with λ/2‖w‖² in the loss', async () => {
    await compare(
      () => new SgdMomentum({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-2 }),
      () => tf.train.momentum(0.1, 0.9, true),
      5e-2,
      'nesterov',
    );
  });

  it('SGD with plain momentum = tf.train.momentum', async () => {
    await compare(
      () => new SgdMomentum({ learningRate: 0.05, momentum: 0.8, nesterov: false }),
      () => tf.train.momentum(0.05, 0.8, false),
      0,
      'momentum',
    );
  });

  it('Adam = tf.train.adam', async () => {
    await compare(
      () => new Adam({ learningRate: 0.01, beta1: 0.5, beta2: 0.999 }),
      () => tf.train.adam(0.01, 0.5, 0.999),
      0,
      'adam',
    );
  });
});

describe('native training', () => {
  it('1,000 steps leak neither tensors nor memory (tensor count, wasm heap, RSS)', async () => {
    await tf.setBackend('native');
    const model = build(new SmallCnn({ numClasses: 10, width: 8, inputShape: [16, 16, 3], seed: 1 }));
    const optimizer = new SgdMomentum({ learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 });
    const x = tf.randomNormal([16, 16, 16, 3], 0, 1, 'float32', 22) as tf.Tensor4D;
    const labels = tf.oneHot(tf.randomUniform([16], 0, 10, 'int32', 23) as tf.Tensor1D, 10);
    const step = () => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, true).logits) as tf.Scalar, true, trainableVariables(model))!;
      loss.dataSync();
      loss.dispose();
    };
    const heap = () => (tf.backend() as unknown as { wasm: { wasmMemory: WebAssembly.Memory } }).wasm.wasmMemory.buffer.byteLength;
    for (let i = 0; i < 100; i++) step();
    const at100 = { tensors: tf.memory().numTensors, heap: heap(), rss: process.memoryUsage().rss };
    for (let i = 100; i < 1000; i++) step();
    const at1000 = { tensors: tf.memory().numTensors, heap: heap(), rss: process.memoryUsage().rss };
    assert.equal(at1000.tensors, at100.tensors, 'tensor count grew');
    assert.equal(at1000.heap, at100.heap, 'wasm heap grew');
    assert.ok(at1000.rss - at100.rss < 32 * 2 ** 20, `RSS grew by ${((at1000.rss - at100.rss) / 2 ** 20).toFixed(1)} MiB`);
    optimizer.dispose();
    model.params.dispose();
    tf.dispose([x, labels]);
  });

  it('trains a cnn8 on Fashion-MNIST to the same accuracy as the wasm backend (3 seeds)', async () => {
    const all = await loadDataset('fashion-mnist');
    const data = {
      train: subset(all.train, new Rng(1).permutation(all.train.labels.length).slice(0, 1000)),
      test: subset(all.test, new Rng(2).permutation(all.test.labels.length).slice(0, 1000)),
    };
    const graph = vanillaGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn8' });
    const options = { epochs: 2, batchSize: 32, learningRate: 0.05 };
    const seeds = [0, 1, 2];
    await switchBackend('native');
    const native = await trainOverSeeds(graph, data, options, seeds);
    await switchBackend('wasm');
    const wasm = await trainOverSeeds(graph, data, options, seeds);
    await switchBackend('native');
    const diffs = seeds.map((_, i) => 100 * (native.runs[i].targetAccuracy - wasm.runs[i].targetAccuracy));
    console.log(
      `native ${native.mean.toFixed(2)} ± ${native.std.toFixed(2)}, wasm ${wasm.mean.toFixed(2)} ± ${wasm.std.toFixed(2)}, paired differences ${diffs.map((d) => d.toFixed(1)).join(', ')} points`,
    );
    assert.ok(native.mean > 50, `native accuracy ${native.mean.toFixed(2)} is not learning`);
    assert.ok(
      Math.abs(native.mean - wasm.mean) <= Math.max(2.5, 2 * Math.max(native.std, wasm.std)),
      `native ${native.mean.toFixed(2)} vs wasm ${wasm.mean.toFixed(2)}`,
    );
  });
});

describe('without the addon', () => {
  it('ktg falls back to wasm and says why in one line', () => {
    const script = "require('./src/backend').initBackend().then((b) => console.log('chosen', b.name))";
    const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, KTG_NATIVE_ADDON: '/nonexistent/ktg_native.node', KTG_BACKEND: '' },
      timeout: 120_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const lines = res.stdout.split('\n').filter((l) => l.includes('native backend unavailable'));
    assert.equal(lines.length, 1, res.stdout);
    assert.match(
      lines[0],
      /\[ktg\] native backend unavailable: the oneDNN addon is not built \(.*ktg_native\.node missing; run npm run setup:system\); falling back to wasm/,
    );
    assert.match(res.stdout, /chosen wasm/);
  });
});
