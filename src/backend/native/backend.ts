/**
 * The `native` tfjs backend: a threaded-SIMD wasm backend (tfjs-backend-wasm, for the many small
 * element-wise kernels) whose heavy kernels — convolutions, matrix products, training batch norm —
 * are replaced by oneDNN kernels working in place on the same heap. Optimizer updates go to the
 * addon too (optim/), one call per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createThreadedWasmBackend } from '../threaded_wasm';
import { NativeAddon } from './addon';
import { nativeKernels } from './kernels';

export const NATIVE_BACKEND = 'native';

let addonInUse: NativeAddon | undefined;

/** The addon behind the native backend while it is the active backend. */
export function activeNativeAddon(): NativeAddon | undefined {
  return addonInUse != null && tf.getBackend() === NATIVE_BACKEND ? addonInUse : undefined;
}

function register(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) != null) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers the backend factory and its kernels: every wasm kernel (as registered now, including
 * ktg's wasm training kernels), then the oneDNN ones over them.
 */
export function registerNativeBackend(addon: NativeAddon, threads: number, wasmThreads: number, priority = 4): void {
  addon.setThreads(threads);
  addonInUse = addon;
  if (tf.findBackendFactory(NATIVE_BACKEND) != null) tf.removeBackend(NATIVE_BACKEND);
  tf.registerBackend(NATIVE_BACKEND, () => createThreadedWasmBackend(wasmThreads), priority);
  for (const config of tf.getKernelsForBackend('wasm')) register({ ...config, backendName: NATIVE_BACKEND });
  const wasmKernel = (name: string): tf.KernelFunc => {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) throw new Error(`no wasm kernel ${name} to fall back to`);
    return kernel.kernelFunc;
  };
  // a replaced wasm kernel keeps its setup (binding its wasm function), which its fallback needs
  for (const config of nativeKernels(addon, NATIVE_BACKEND, wasmKernel)) register({ ...config, setupFunc: tf.getKernel(config.kernelName, 'wasm')?.setupFunc });
}
