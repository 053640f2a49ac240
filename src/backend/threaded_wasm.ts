/**
 * Multi-threaded wasm backend for Node.
 *
 * tfjs-backend-wasm disables threads in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag returns false
 * there), builds its pthread worker from a Blob URL that Node's worker_threads cannot load, and caps
 * the thread pool at (logical cores / 2). Here we instantiate the threaded-SIMD build ourselves:
 * the worker script that tfjs ships as a string is written to a real file, the main script is
 * passed by path, and the core count seen by the module's static initialiser is raised so that the
 * requested number of threads is not halved.
 */
import * as fs from 'fs';
import os = require('os'); // the real module object: its cpus() is patched below
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const THREADED_BASENAME = 'tfjs-backend-wasm-threaded-simd';

interface NodeWorker {
  unref(): void;
}

interface EmscriptenModule {
  PThread?: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: unknown;
}
type ModuleFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

function wasmOutDir(): string {
  return path.dirname(require.resolve(`${WASM_PACKAGE}/wasm-out/${THREADED_BASENAME}.wasm`));
}

/** Writes the pthread worker script (shipped by tfjs as a string) to a file Node can start. */
function workerScriptPath(dir: string): string {
  // tfjs escapes newlines the same way before putting the contents in a Blob.
  const { wasmWorkerContents } = require(path.join(dir, `${THREADED_BASENAME}.worker.js`)) as {
    wasmWorkerContents: string;
  };
  const contents = wasmWorkerContents.replace(/\n/g, '\\n');
  const version = (require(`${WASM_PACKAGE}/package.json`) as { version: string }).version;
  const target = path.join(os.tmpdir(), `ktg-tfjs-wasm-${version}-worker.js`);
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== contents) {
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, contents);
    fs.renameSync(tmp, target);
  }
  return target;
}

/** Runs `fn` while os.cpus() reports at least `count` cores (the wasm module halves that number). */
async function withReportedCores<T>(count: number, fn: () => Promise<T>): Promise<T> {
  const original = os.cpus;
  const real = original();
  if (real.length >= count) return fn();
  os.cpus = () => Array.from({ length: count }, (_, i) => real[i % real.length]);
  try {
    return await fn();
  } finally {
    os.cpus = original;
  }
}

const threadedModules: EmscriptenModule[] = [];

/**
 * Lets the process exit while the thread pool is alive: emscripten ref()s every running pthread,
 * and XNNPACK's pool threads never end, so without this `node script.js` would hang at the end.
 */
export function unrefWasmThreads(): void {
  for (const module of threadedModules) {
    const pool = module.PThread;
    if (pool) for (const w of [...pool.runningWorkers, ...pool.unusedWorkers]) w.unref();
  }
}

export async function createThreadedWasmBackend(threads: number): Promise<BackendWasm> {
  const dir = wasmOutDir();
  const factory = require(path.join(dir, `${THREADED_BASENAME}.js`)) as ModuleFactory;
  const workerFile = workerScriptPath(dir);
  const module = await withReportedCores(threads * 2, () =>
    factory({
      locateFile: (file: string) => (file.endsWith('.worker.js') ? workerFile : path.join(dir, file)),
      mainScriptUrlOrBlob: path.join(dir, `${THREADED_BASENAME}.js`),
    }),
  );
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  threadedModules.push(module);
  return new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
}

/** Replaces the stock 'wasm' backend factory with the threaded one (kernels stay registered). */
export function registerThreadedWasm(threads: number, priority = 3): void {
  if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => createThreadedWasmBackend(threads), priority);
}
