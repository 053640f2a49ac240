/**
 * The training kernels registered for wasm must agree with tfjs's reference cpu kernels.
 * Every case runs the same op on both backends and compares with relative error ≤ 1e-5 (ktg's
 * broadcasting batch-norm and mean gradients against tfjs-core's own).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { getKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { onBackend, relError } from '../helpers/backend_compare';

type Case = { name: string; x: [number, number, number, number]; k: [number, number, number]; stride: number; pad: 'same' | 'valid' | number };

const cases: Case[] = [
  { name: '3x3 same s1', x: [2, 8, 8, 3], k: [3, 3, 4], stride: 1, pad: 'same' },
  { name: '3x3 same s2 even', x: [2, 8, 8, 4], k: [3, 3, 5], stride: 2, pad: 'same' },
  { name: '3x3 same s2 odd', x: [2, 7, 9, 2], k: [3, 3, 3], stride: 2, pad: 'same' },
  { name: '3x3 valid s2 leftover', x: [1, 8, 8, 2], k: [3, 3, 2], stride: 2, pad: 'valid' },
  { name: '1x1 s2 shortcut', x: [2, 8, 8, 4], k: [1, 1, 6], stride: 2, pad: 'same' },
  { name: '4x4 pad1 s2 (DCGAN)', x: [2, 8, 8, 3], k: [4, 4, 5], stride: 2, pad: 1 },
  { name: '5x5 same s1', x: [1, 6, 6, 2], k: [5, 5, 3], stride: 1, pad: 'same' },
  { name: '3x3 s3 valid', x: [1, 10, 10, 2], k: [3, 3, 2], stride: 3, pad: 'valid' },
];

function gradients(c: Case): () => tf.Tensor[] {
  return () => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([c.k[0], c.k[1], c.x[3], c.k[2]], 0, 1, 'float32', 2) as tf.Tensor4D;
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(xx, ww, c.stride, c.pad), tf.conv2d(xx, ww, c.stride, c.pad)));
    const g = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w]);
    return g;
  };
}

describe('wasm training kernels vs cpu reference', () => {
  before(async () => {
    await initBackend({ backend: 'wasm', quiet: true });
  });

  it('the wasm backend has Conv2DBackpropFilter registered', () => {
    assert.ok(getKernel('Conv2DBackpropFilter', 'wasm'));
  });

  for (const c of cases) {
    it(`conv2d gradients: ${c.name}`, async () => {
      const reference = await referenceCpu(gradients(c));
      const ours = await onBackend('wasm', gradients(c));
      assert.equal(ours[0].length, reference[0].length);
      assert.ok(relError(ours[0], reference[0]) <= 1e-5, `dx rel error ${relError(ours[0], reference[0])}`);
      assert.ok(relError(ours[1], reference[1]) <= 1e-5, `dW rel error ${relError(ours[1], reference[1])}`);
    });
  }

  it('conv2dTranspose (DCGAN upsampling) matches cpu', async () => {
    const run = () => {
      const z = tf.randomNormal([2, 4, 4, 6], 0, 1, 'float32', 3) as tf.Tensor4D;
      const w = tf.randomNormal([4, 4, 3, 6], 0, 1, 'float32', 4) as tf.Tensor4D;
      return [tf.conv2dTranspose(z, w, [2, 8, 8, 3], 2, 'same')];
    };
    const reference = await referenceCpu(run);
    const ours = await onBackend('wasm', run);
    assert.ok(relError(ours[0], reference[0]) <= 1e-5);
  });

  for (const [shape, axis, keepDims] of [
    [[4, 3, 3, 5], [1, 2], false],
    [[4, 3, 3, 5], [1, 2], true],
    [[6, 7], undefined, false],
    [[2, 3, 4], [0], false],
    [[2, 3, 4], [-1], true],
  ] as Array<[number[], number[] | undefined, boolean]>) {
    it(`broadcasting mean gradient matches tfjs's (shape ${shape}, axis ${axis ?? 'all'}${keepDims ? ', keepDims' : ''})`, async () => {
      const run = () => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 8);
        const y = tf.mean(x, axis, keepDims);
        const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 9);
        return [tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.mean(xx, axis, keepDims), probe)))(x)];
      };
      const ours = await onBackend('wasm', run);
      const reference = await referenceCpu(run);
      assert.ok(relError(ours[0], reference[0]) <= 1e-6, `relative error ${relError(ours[0], reference[0])}`);
    });
  }

  it('broadcasting batch-norm gradient matches the tiled reference', async () => {
    const run = () => {
      const x = tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const gamma = tf.randomUniform([3], 0.5, 1.5, 'float32', 6);
      const beta = tf.randomNormal([3], 0, 1, 'float32', 7);
      const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        const y = tf.batchNorm(xx as tf.Tensor4D, mean, variance, bb, gg, 1e-3);
        return tf.sum(tf.mul(y, tf.sin(xx)));
      };
      return tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, gamma, beta]);
    };
    const ours = await onBackend('wasm', run);
    const reference = await referenceCpu(run);
    for (let i = 0; i < 3; i++) assert.ok(relError(ours[i], reference[i]) <= 1e-5, `input ${i}: ${relError(ours[i], reference[i])}`);
  });
});

/** tfjs's own cpu kernels and gradient, with our replacements lifted for the duration. */
async function referenceCpu(fn: () => tf.Tensor[]) {
  const saved = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'].map((k) => getKernel(k, 'cpu')!);
  const stock = await import('@tensorflow/tfjs-backend-cpu/dist/kernels/Conv2DBackpropFilter');
  const stockIn = await import('@tensorflow/tfjs-backend-cpu/dist/kernels/Conv2DBackpropInput');
  for (const k of saved) unregisterKernel(k.kernelName, 'cpu');
  tf.registerKernel(stock.conv2DBackpropFilterConfig);
  tf.registerKernel(stockIn.conv2DBackpropInputConfig);
  const core = await import('@tensorflow/tfjs-core/dist/gradients/FusedBatchNorm_grad');
  const coreMean = await import('@tensorflow/tfjs-core/dist/gradients/Mean_grad');
  const ours = tf.getGradient('FusedBatchNorm')!;
  const ourMean = tf.getGradient('Mean')!;
  tf.registerGradient(core.fusedBatchNormGradConfig);
  tf.registerGradient(coreMean.meanGradConfig);
  try {
    return await onBackend('cpu', fn);
  } finally {
    unregisterKernel('Conv2DBackpropFilter', 'cpu');
    unregisterKernel('Conv2DBackpropInput', 'cpu');
    for (const k of saved) tf.registerKernel(k);
    tf.registerGradient(ours);
    tf.registerGradient(ourMean);
  }
}
