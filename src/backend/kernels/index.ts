/** Training kernels that make CPU backends usable for conv nets; registered once per backend. */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormGradConfig } from './batch_norm_grad';
import { conv2dBackpropFilterKernel } from './conv2d_backprop_filter';
import { conv2dBackpropInputKernel } from './conv2d_backprop_input';
import { meanGradConfig } from './mean_grad';

export { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, batchNormGradConfig, meanGradConfig };

const registered = new Set<string>();

/** Registers (or replaces) the conv gradient kernels for `backendName`. */
export function registerTrainingKernels(backendName: string): void {
  if (registered.has(backendName)) return;
  for (const config of [conv2dBackpropFilterKernel(backendName), conv2dBackpropInputKernel(backendName)]) {
    if (tf.getKernel(config.kernelName, backendName) != null) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
  registered.add(backendName);
}

let gradientsRegistered = false;

/** The broadcasting batch-norm and mean gradients serve every backend. */
export function registerTrainingGradients(): void {
  if (gradientsRegistered) return;
  const debug = tf.env().getBool('DEBUG');
  tf.registerGradient(batchNormGradConfig);
  tf.registerGradient(meanGradConfig);
  if (debug) tf.env().set('DEBUG', true);
  gradientsRegistered = true;
}
