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
  /**
   * precision of convolutions and matrix products (default: env KTG_PRECISION, else fp32): bf16
   * reads their inputs in bfloat16 and accumulates in fp32, as PyTorch's CPU autocast does (weights,
   * optimizer state, batch norm and losses stay fp32). Native backend on a CPU with AVX-512 BF16
   * only; elsewhere fp32, with one line saying why. Opt-in: over 100 paired seeds a ResNet-20 was not
   * shown equivalent to fp32 (−0.30 points, [−0.59, −0.01]; docs/BACKEND.md).
   */
  precision?: Precision;
  /** do not print the chosen backend */
  quiet?: boolean;
}

export type Precision = 'fp32' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

export interface BackendInfo {
  name: BackendName;
  /** human-readable details, e.g. "threaded SIMD, 2 threads" */
  detail: string;
  threads: number;
  /** precision of convolutions and matrix products */
  precision: Precision;
  /** why bf16 was asked for and not used */
  precisionFallback?: string;
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

function requestedPrecision(options: BackendOptions): Precision {
  const name = options.precision ?? ((process.env.KTG_PRECISION || 'fp32') as Precision);
  if (!PRECISIONS.includes(name)) throw new Error(`KTG_PRECISION=${name} is not a precision; use one of ${PRECISIONS.join(', ')}`);
  return name;
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
  const precision = requestedPrecision(options);
  // a later call without an explicit precision keeps the running one
  if (current != null && (forced == null || forced === current.name))
    return options.precision != null && options.precision !== current.precision ? setPrecision(options.precision, options) : current;
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
      current = describe(name, threads, native, applyPrecision(name, precision));
      break;
    }
  }
  if (current == null) throw new Error(`no tensor backend could be initialised (tried ${candidates.join(', ')})`);
  if (!announced && !options.quiet) {
    if (nativeUnavailable != null && current.name !== 'tensorflow')
      console.log(`[ktg] native backend unavailable: ${nativeUnavailable}; falling back to ${current.name}`);
    if (current.precisionFallback) console.log(`[ktg] bf16 not used: ${current.precisionFallback}; running in fp32`);
    console.log(`[ktg] tensor backend: ${current.name} (${current.detail})`);
    announced = true;
  }
  return current;
}

/** sets the precision on the chosen backend: what it runs in, and why not bf16 when bf16 was asked for */
function applyPrecision(name: BackendName, wanted: Precision): { precision: Precision; fallback?: string } {
  if (name !== 'native')
    return wanted === 'bf16' ? { precision: 'fp32', fallback: `only the native (oneDNN) backend computes in bf16, this is ${name}` } : { precision: 'fp32' };
  const loaded = loadNativeAddon();
  if (!('addon' in loaded)) return { precision: 'fp32' };
  // an addon built before bf16 existed has no setPrecision: it computes fp32
  if (typeof loaded.addon.setPrecision !== 'function')
    return wanted === 'bf16' ? { precision: 'fp32', fallback: 'the native addon predates bf16 (rebuild it: npm run build:native)' } : { precision: 'fp32' };
  const set = loaded.addon.setPrecision(wanted === 'bf16' ? 'bf16' : 'f32');
  return set.precision === 'bf16' ? { precision: 'bf16' } : { precision: 'fp32', ...(set.reason ? { fallback: set.reason } : {}) };
}

/** switches the running backend's precision (e.g. to compare fp32 and bf16 in one process) */
function setPrecision(precision: Precision, options: BackendOptions): BackendInfo {
  const applied = applyPrecision(current!.name, precision);
  current = describe(current!.name, current!.threads, null, applied);
  if (applied.fallback && !options.quiet) console.log(`[ktg] bf16 not used: ${applied.fallback}; running in fp32`);
  return current;
}

function describe(name: BackendName, requested: number, native: string | null, applied: { precision: Precision; fallback?: string }): BackendInfo {
  const precision = { precision: applied.precision, ...(applied.fallback ? { precisionFallback: applied.fallback } : {}) };
  if (name === 'native') {
    const loaded = loadNativeAddon();
    const info = 'addon' in loaded ? loaded.addon.info() : undefined;
    const wasmThreads = getThreadsCount();
    const math = applied.precision === 'bf16' ? 'bf16 convolutions and products (fp32 accumulation)' : 'fp32';
    return {
      name,
      threads: info?.threads ?? requested,
      detail: `oneDNN ${info?.onednn} ${info?.isa}, ${math}, ${info?.cpuRuntime} ${info?.threads} threads; other kernels threaded SIMD wasm, ${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}`,
      ...precision,
    };
  }
  if (name === 'wasm') {
    const threads = getThreadsCount();
    return { name, threads, detail: `threaded SIMD XNNPACK, fp32, ${threads} thread${threads === 1 ? '' : 's'}, ktg training kernels`, ...precision };
  }
  if (name === 'tensorflow') return { name, threads: requested, detail: `${native ?? 'tfjs-node'} (libtensorflow), fp32`, ...precision };
  return { name, threads: 1, detail: 'plain JavaScript, fp32, slow; for checks only', ...precision };
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
