/**
 * stop-gradient: a new tensor that shares x's data but is not recorded on the gradient tape, so
 * backprop neither passes through it nor spends any work on the graph that produced x.
 * (tfjs has no such op; a custom gradient returning zeros would still backprop through x's graph.)
 */
import * as tf from '@tensorflow/tfjs-core';

export function stopGradient<T extends tf.Tensor>(x: T): T {
  // the new tensor is one more owner of x's data (as a reshape kernel would register it)
  tf.backend().incRef(x.dataId);
  return tf.engine().makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }) as T;
}
