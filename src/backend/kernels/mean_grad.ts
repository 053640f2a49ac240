/**
 * Gradient of Mean that adds dy / (values per mean) to zerosLike(x) with broadcasting (two
 * backend kernels), instead of tfjs-core's version, which builds a tensor of ones of the input's
 * size in JavaScript and multiplies by it (for global average pooling over a 64×8×8×128 batch:
 * ≈ 4 ms of a 26 ms small-CNN training step). (tf.broadcastTo is slower still on wasm: its Tile
 * kernel took ≈ 50 ms here.) Same maths: ∂mean/∂x = 1/n for each of the n values averaged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

export const meanGradConfig: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const kept = x.shape.map((size, axis) => (axes.includes(axis) ? 1 : size));
    const count = axes.reduce((n, axis) => n * x.shape[axis], 1);
    return { x: () => tf.add(tf.zerosLike(x), tf.div(tf.reshape(dy as Tensor, kept), count)) };
  },
};
