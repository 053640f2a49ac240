/**
 * The end of a residual block, max(y + shortcut, 0), as one differentiable op. On the native
 * backend the forward pass is one multithreaded kernel and the backward pass another (dy masked by
 * the output being positive, given to both inputs), instead of Add + Relu forward and Step + Cast +
 * Multiply backward on one thread. Elsewhere, and for a gradient that is itself differentiated, it is
 * tf.relu(tf.add(y, shortcut)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADD_RELU, RELU_GRAD } from '../backend/native/kernels';
import { gradientIsDifferentiated } from '../tensor/gradient_depth';

function nativeAddRelu<T extends tf.Tensor>(y: T, shortcut: T): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, b] = args as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    const value = tf.engine().runKernel(ADD_RELU, { a, b }) as tf.Tensor;
    save([value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [out] = saved;
        const dx = gradientIsDifferentiated() ? tf.mul(dy, tf.step(out)) : (tf.engine().runKernel(RELU_GRAD, { y: out, dy }) as tf.Tensor);
        return [dx, tf.clone(dx)];
      },
    };
  });
  return op(y, shortcut) as T;
}

/** max(y + shortcut, 0) for two float32 tensors of one shape */
export function addRelu<T extends tf.Tensor>(y: T, shortcut: T): T {
  const native =
    y.dtype === 'float32' && shortcut.dtype === 'float32' && tf.util.arraysEqual(y.shape, shortcut.shape) && tf.getKernel(ADD_RELU, tf.getBackend()) != null;
  return native ? nativeAddRelu(y, shortcut) : tf.relu(tf.add<T>(y, shortcut));
}
