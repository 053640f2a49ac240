/**
 * Tensor backend selection: tfjs-node-gpu → tfjs-node (`tensorflow`) → `native` (oneDNN kernels on
 * the wasm heap, see native/) → `wasm` (threaded SIMD, with our training kernels) → plain `cpu`.
 * `KTG_BACKEND` forces one, `KTG_THREADS` sets the thread count (default: all cores). The choice is
 * printed once, and so is the reason when the native backend is unavailable.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's CommonJS bundle registers no gradients, and its ESM register_all_gradients cannot be
// loaded by Node's ESM resolver (extension-less imports). The union package's CommonJS bundle
// registers every gradient into tfjs's global registry, shared with tfjs-core.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerTrainingGradients, registerTrainingKernels } from './kernels';
import { loadNativeAddon } from './native/addon';
import { registerNativeBackend } from './native/backend';
import { registerThreadedWasm, unrefWasmThreads } from './threaded_wasm';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'native', 'wasm', 'cpu'];

export interface BackendOptions {
  /** force a backend (default: env KTG_BACKEND, else the best available) */
  backend?: BackendName;
  /** threads of the native (OpenMP) and wasm kernels (default: env KTG_THREADS, else the number of cores) */
  threads?: number;
  /** do not print the chosen backend */
  quiet?: boolean;
}

export interface BackendInfo {
  name: BackendName;
  /** human-readable details, e.g. "threaded SIMD, 2 threads" */
  detail: string;
  threads: number;
}

let current: BackendInfo | null = null;
let announced = false;
let nativeUnavailable: string | undefined;

/** Loads tfjs-node(-gpu) if it is installed; false when the native addon is absent or broken. */
function loadNativeBindings(): string | null {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      return pkg;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'MODULE_NOT_FOUND' && process.env.KTG_DEBUG) console.warn(`[ktg] ${pkg} failed to load: ${String(err)}`);
    }
  }
  return null;
}

function requestedBackend(options: BackendOptions): BackendName | undefined {
  const name = options.backend ?? (process.env.KTG_BACKEND as BackendName | undefined);
  if (name != null && name !== ('' as BackendName) && !BACKEND_NAMES.includes(name)) {
    throw new Error(`KTG_BACKEND=${name} is not a backend; use one of ${BACKEND_NAMES.join(', ')}`);
  }
  return name || undefined;
}

function requestedThreads(options: BackendOptions): number {
  const raw = options.threads ?? (process.env.KTG_THREADS ? Number(process.env.KTG_THREADS) : os.cpus().length);
  if (!Number.isInteger(raw) || raw < 1) throw new Error(`thread count must be a positive integer, got ${raw}`);
  return Math.min(raw, 8); // the wasm module pre-creates 8 pthread workers
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** Chooses and initialises the tensor backend; safe to call many times. */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const forced = requestedBackend(options);
  if (current != null && (forced == null || forced === current.name)) return current;
  const threads = requestedThreads(options);
  registerTrainingGradients();
  registerThreadedWasm(threads);
  registerTrainingKernels('wasm');
  registerTrainingKernels('cpu');

  const candidates: BackendName[] = forced != null ? [forced] : ['tensorflow', 'native', 'wasm', 'cpu'];
  let native: string | null = null;
  for (const name of candidates) {
    if (name === 'native') {
      const loaded = loadNativeAddon();
      if ('reason' in loaded) {
        if (forced === 'native') throw new Error(`backend "native" requested, but ${loaded.reason}`);
        nativeUnavailable = loaded.reason;
        continue;
      }
      // the small element-wise kernels left to wasm run fastest on one thread beside oneDNN's OpenMP
      // pool (measured: ResNet-20 step 145 vs 164 ms, small CNN 34 vs 43 ms with 2 wasm threads)
      registerNativeBackend(loaded.addon, threads, 1);
    }
    if (name === 'tensorflow') {
      native = loadNativeBindings();
      if (native == null && forced === 'tensorflow') {
        throw new Error(
          'backend "tensorflow" requested, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (they need libtensorflow: npm i @tensorflow/tfjs-node on a machine with internet)',
        );
      }
      if (native == null) continue;
    }
    // every wasm pthread pipes its stdout/stderr into ours: more than Node's default 10 listeners
    if (name === 'wasm' || name === 'native')
      for (const stream of [process.stdout, process.stderr]) stream.setMaxListeners(Math.max(stream.getMaxListeners(), 4 * 8 + 10));
    if (await tryBackend(name)) {
      await tf.ready();
      if (name === 'wasm' || name === 'native') unrefWasmThreads();
      current = describe(name, threads, native);
      break;
    }
  }
  if (current == null) throw new Error(`no tensor backend could be initialised (tried ${candidates.join(', ')})`);
  if (!announced && !options.quiet) {
    if (nativeUnavailable != null && current.name !== 'tensorflow')
      console.log(`[ktg] native backend unavailable: ${nativeUnavailable}; falling back to ${current.name}`);
    console.log(`[ktg] tensor backend: ${current.name} (${current.detail})`);
    announced = true;
  }
  return current;
}

function describe(name: BackendName, requested: number, native: string | null): BackendInfo {
  if (name === 'native') {
    const loaded = loadNativeAddon();
    const info = 'addon' in loaded ? loaded.addon.info() : undefined;
    const wasmThreads = getThreadsCount();
    return {
      name,
      threads: info?.threads ?? requested,
      detail: `oneDNN ${info?.onednn} ${info?.isa}, ${info?.cpuRuntime} ${info?.threads} threads; other kernels threaded SIMD wasm, ${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}`,
    };
  }
  if (name === 'wasm') {
    const threads = getThreadsCount();
    return { name, threads, detail: `threaded SIMD XNNPACK, ${threads} thread${threads === 1 ? '' : 's'}, ktg training kernels` };
  }
  if (name === 'tensorflow') return { name, threads: requested, detail: `${native ?? 'tfjs-node'} (libtensorflow)` };
  return { name, threads: 1, detail: 'plain JavaScript, slow; for checks only' };
}

/**
 * Switches between backends that initBackend registered (e.g. to compare native and wasm in one
 * process), letting the process exit afterwards as initBackend does.
 */
export async function switchBackend(name: BackendName): Promise<void> {
  if (!(await tryBackend(name))) throw new Error(`backend ${name} could not be initialised`);
  await tf.ready();
  if (name === 'wasm' || name === 'native') unrefWasmThreads();
}

/** Why the native backend could not be used (after initBackend), or undefined. */
export function nativeUnavailableReason(): string | undefined {
  return nativeUnavailable;
}

/** The backend chosen by initBackend, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}
