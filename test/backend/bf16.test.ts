/**
 * bf16 on the native backend (KTG_PRECISION=bf16): convolutions (forward, dx, dW, transposed) and
 * matrix products read bf16 and accumulate in fp32; against the fp32 cpu kernels they agree to bf16
 * precision (8-bit mantissa: relative error ≤ 3e-2 of the largest value) and differ from fp32 (so
 * bf16 really ran), the implementations oneDNN picks are its bf16 kernels, a training run learns as
 * in fp32, and a CPU without AVX-512 BF16 falls back to fp32 with one line saying why.
 */
import { before, describe, it, TestContext } from 'node:test';
import { spawnSync } from 'child_process';
import * as path from 'path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BackendInfo, initBackend } from '../../src/backend';
import { loadNativeAddon, NativeAddon } from '../../src/backend/native/addon';
import { Rng, subset } from '../../src/data';
import { loadDataset } from '../../src/data/registry';
import { trainOverSeeds, vanillaGraph } from '../../src/graph';
import { onBackend, relError } from '../helpers/backend_compare';

const BF16_TOLERANCE = 3e-2;
let info: BackendInfo;
let addon: NativeAddon;

before(async () => {
  const loaded = loadNativeAddon();
  assert.ok('addon' in loaded, `the native backend is not available: ${'reason' in loaded ? loaded.reason : ''}`);
  addon = loaded.addon;
  info = await initBackend({ backend: 'native', precision: 'bf16', quiet: true });
});

/** this machine computes bf16; else the test is skipped, saying why (the fallback test below still runs) */
function bf16Here(t: TestContext): boolean {
  if (info.precision === 'bf16') return true;
  t.skip(`no bf16 here: ${info.precisionFallback}`);
  return false;
}

async function assertBf16(fn: () => tf.Tensor[], what: string): Promise<void> {
  const reference = await onBackend('cpu', fn);
  const ours = await onBackend('native', fn);
  const errors = ours.map((v, i) => relError(v, reference[i]));
  errors.forEach((e, i) => assert.ok(e <= BF16_TOLERANCE, `${what}, output ${i}: relative error ${e.toExponential(2)}`));
  assert.ok(Math.max(...errors) > 1e-6, `${what}: identical to fp32 (${errors.map((e) => e.toExponential(1)).join(', ')}): bf16 did not run`);
}

describe('bf16 kernels vs fp32 on the cpu backend', () => {
  it('the backend says it runs bf16 convolutions and products', (t) => {
    if (!bf16Here(t)) return;
    assert.equal(info.precision, 'bf16');
    assert.match(info.detail, /bf16 convolutions and products \(fp32 accumulation\)/);
  });

  for (const [x, k, filters, stride, pad] of [
    [[2, 8, 8, 16], 3, 16, 1, 'same'],
    [[2, 9, 9, 8], 3, 32, 2, 'same'],
    [[1, 8, 8, 32], 1, 16, 2, 'valid'],
    [[2, 16, 16, 3], 3, 32, 1, 'same'],
    [[2, 8, 8, 4], 4, 8, 2, 'valid'],
  ] as Array<[[number, number, number, number], number, number, number, 'same' | 'valid']>) {
    const what = `conv2d ${x.join('×')} ${k}×${k}→${filters} stride ${stride} ${pad}, dx and dW`;
    it(what, async (t) => {
      if (!bf16Here(t)) return;
      await assertBf16(() => {
        const input = tf.randomNormal(x, 0, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomNormal([k, k, x[3], filters], 0, 1, 'float32', 2) as tf.Tensor4D;
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad);
        const y = conv(input, w);
        const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
        return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), probe)))([input, w])];
      }, what);
      const g = [x[0], x[1], x[2], x[3], k, k, filters];
      const out = pad === 'same' ? Math.ceil(x[1] / stride) : Math.ceil((x[1] - k + 1) / stride);
      const padTotal = pad === 'same' ? Math.max((out - 1) * stride + k - x[1], 0) : 0;
      const impl = addon.convImplementations(
        ...g,
        out,
        out,
        stride,
        stride,
        1,
        1,
        padTotal >> 1,
        padTotal >> 1,
        padTotal - (padTotal >> 1),
        padTotal - (padTotal >> 1),
      );
      assert.equal(impl.precision, 'bf16');
      for (const direction of [impl.forward, impl.backwardData, impl.backwardWeights]) assert.match(direction, /bf16/, JSON.stringify(impl));
    });
  }

  it('conv2dTranspose (the DCGAN generator) with gradients', async (t) => {
    if (!bf16Here(t)) return;
    await assertBf16(() => {
      const z = tf.randomNormal([2, 4, 4, 32], 0, 1, 'float32', 4) as tf.Tensor4D;
      const w = tf.randomNormal([4, 4, 16, 32], 0, 1, 'float32', 5) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 8, 8, 16], 2, 'same');
      const y = f(z, w);
      const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 6);
      return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), probe)))([z, w])];
    }, 'conv2dTranspose');
  });

  for (const [a, b, ta, tb] of [
    [[16, 64], [64, 10], false, false],
    [[64, 16], [64, 10], true, false],
    [[16, 64], [10, 64], false, true],
    [[4, 8, 32], [1, 32, 8], false, false],
    [[4, 32, 8], [4, 8, 32], true, true],
  ] as Array<[number[], number[], boolean, boolean]>) {
    const what = `matMul ${a.join('×')}${ta ? 'ᵀ' : ''} · ${b.join('×')}${tb ? 'ᵀ' : ''}`;
    it(what, async (t) => {
      if (!bf16Here(t)) return;
      await assertBf16(() => [tf.matMul(tf.randomNormal(a, 0, 1, 'float32', 7), tf.randomNormal(b, 0, 1, 'float32', 8), ta, tb)], what);
    });
  }

  it('matrix products run on a oneDNN bf16 implementation', (t) => {
    if (!bf16Here(t)) return;
    assert.doesNotMatch(addon.matmulImplementation(1, 1, 64, 10, 64, false, false), /^ref/);
  });
});

describe('bf16 training', () => {
  it('a cnn8 trained in bf16 learns Fashion-MNIST as in fp32 (3 seeds, within 2.5 points)', async (t) => {
    if (!bf16Here(t)) return;
    const all = await loadDataset('fashion-mnist');
    const data = {
      train: subset(all.train, new Rng(1).permutation(all.train.labels.length).slice(0, 1000)),
      test: subset(all.test, new Rng(2).permutation(all.test.labels.length).slice(0, 1000)),
    };
    const graph = vanillaGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn8' });
    const options = { epochs: 2, batchSize: 32, learningRate: 0.05 };
    const seeds = [0, 1, 2];
    const bf16 = await trainOverSeeds(graph, data, options, seeds);
    await initBackend({ backend: 'native', precision: 'fp32', quiet: true });
    const fp32 = await trainOverSeeds(graph, data, options, seeds);
    await initBackend({ backend: 'native', precision: 'bf16', quiet: true });
    const diffs = seeds.map((_, i) => 100 * (bf16.runs[i].targetAccuracy - fp32.runs[i].targetAccuracy));
    console.log(
      `bf16 ${bf16.mean.toFixed(2)} ± ${bf16.std.toFixed(2)}, fp32 ${fp32.mean.toFixed(2)} ± ${fp32.std.toFixed(2)}, paired differences ${diffs.map((d) => d.toFixed(1)).join(', ')}`,
    );
    assert.ok(bf16.mean > 50, `bf16 accuracy ${bf16.mean.toFixed(2)} is not learning`);
    assert.ok(Math.abs(bf16.mean - fp32.mean) <= 2.5, `bf16 ${bf16.mean.toFixed(2)} vs fp32 ${fp32.mean.toFixed(2)}`);
  });
});

describe('a CPU without AVX-512 BF16', () => {
  it('runs fp32 and says why in one line (oneDNN limited to AVX-512 without BF16)', () => {
    const script = "require('./src/backend').initBackend({ backend: 'native' }).then((b) => console.log('precision', b.precision))";
    const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, KTG_PRECISION: 'bf16', DNNL_MAX_CPU_ISA: 'AVX512_CORE' },
      timeout: 120_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const lines = res.stdout.split('\n').filter((l) => l.includes('bf16 not used'));
    assert.equal(lines.length, 1, res.stdout);
    assert.match(lines[0], /\[ktg\] bf16 not used: this CPU has no AVX-512 BF16 \(oneDNN dispatches to ISA \d+\); running in fp32/);
    assert.match(res.stdout, /precision fp32/);
    assert.match(res.stdout, /tensor backend: native \(oneDNN .*, fp32,/);
  });

  it('KTG_PRECISION must name a precision', () => {
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', "require('./src/backend').initBackend().catch((e) => { console.log(e.message); process.exit(3); })"],
      {
        cwd: path.resolve(__dirname, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, KTG_PRECISION: 'fp16' },
        timeout: 120_000,
      },
    );
    assert.equal(res.status, 3, res.stdout + res.stderr);
    assert.match(res.stdout, /KTG_PRECISION=fp16 is not a precision; use one of fp32, bf16/);
  });
});
