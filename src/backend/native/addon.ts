/**
 * Loads the optional oneDNN addon (native/, built by `npm run setup:system` or `npm run build:native`).
 * When it is absent or cannot load (no libdnnl, not built, another platform), `loadNativeAddon`
 * says why in one line and ktg falls back to wasm.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A Float32Array over the whole wasm heap; offsets are byte offsets into it. */
export type Heap = Float32Array;

export interface NativeInfo {
  onednn: string;
  cpuRuntime: string;
  isa: string;
  threads: number;
  /** the precision of convolutions and matrix products */
  precision: 'f32' | 'bf16';
}

/** The functions the addon exports (native/src/*.cc); geometry = 17 numbers, see conv.cc. */
export interface NativeAddon {
  setThreads(threads: number): void;
  info(): NativeInfo;
  /** bf16 convolutions and matrix products (f32 accumulation and outputs) where the CPU has AVX-512 BF16; else f32 and why */
  setPrecision(precision: 'f32' | 'bf16'): { precision: 'f32' | 'bf16'; reason?: string };
  convForward(heap: Heap, x: number, filter: number, y: number, ...geometry: number[]): void;
  convBackwardData(heap: Heap, dy: number, filter: number, dx: number, ...geometry: number[]): void;
  convBackwardWeights(heap: Heap, x: number, dy: number, dw: number, ...geometry: number[]): void;
  /** y = a + b over `count` floats, or max(a + b, 0) with `relu` */
  add(heap: Heap, a: number, b: number, y: number, count: number, relu: boolean): void;
  /** dx = dy where y > 0, else 0 (y: the ReLU's output) */
  reluBackward(heap: Heap, y: number, dy: number, dx: number, count: number): void;
  convImplementations(...geometry: number[]): { precision: 'f32' | 'bf16'; forward: string; backwardData: string; backwardWeights: string };
  /** the oneDNN implementation of a bf16 product of this shape */
  matmulImplementation(batchA: number, batchB: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): string;
  matmul(
    heap: Heap,
    a: number,
    b: number,
    c: number,
    batchA: number,
    batchB: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
  ): void;
  batchNormWorkspaceBytes(n: number, h: number, w: number, c: number, relu: boolean, epsilon: number): number;
  batchNormForward(
    heap: Heap,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    workspace: number,
    n: number,
    h: number,
    w: number,
    c: number,
    relu: boolean,
    epsilon: number,
  ): void;
  batchNormBackward(
    heap: Heap,
    x: number,
    dy: number,
    mean: number,
    variance: number,
    gamma: number,
    beta: number,
    workspace: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    n: number,
    h: number,
    w: number,
    c: number,
    relu: boolean,
    epsilon: number,
  ): void;
  /** geometry: N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, padBottom, padRight */
  maxPoolForward(heap: Heap, x: number, y: number, ...geometry: number[]): void;
  maxPoolBackward(heap: Heap, x: number, dy: number, dx: number, ...geometry: number[]): void;
  /** table rows: [variable, newVariable, gradient, accumulator, size, decay 0/1] */
  sgdUpdate(heap: Heap, table: Float64Array, learningRate: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  /** table rows: [variable, newVariable, gradient, firstMoment, secondMoment, size, decay 0/1] */
  adamUpdate(
    heap: Heap,
    table: Float64Array,
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    beta1Power: number,
    beta2Power: number,
    weightDecay: number,
  ): void;
}

/** package root: this file is src/backend/native/addon.ts or dist/backend/native/addon.js */
export const NATIVE_DIR = path.resolve(__dirname, '..', '..', '..', 'native');
/** the built addon; KTG_NATIVE_ADDON points elsewhere (e.g. a build of your own, or a test of the fallback) */
export const NATIVE_BINARY = process.env.KTG_NATIVE_ADDON ?? path.join(NATIVE_DIR, 'build', 'Release', 'ktg_native.node');

let loaded: { addon: NativeAddon } | { reason: string } | undefined;

/** The addon, or the reason it cannot be used (one line). Loaded once. */
export function loadNativeAddon(): { addon: NativeAddon } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') loaded = { reason: `the oneDNN addon is built for Linux only (this is ${process.platform})` };
  else if (!fs.existsSync(NATIVE_BINARY))
    loaded = { reason: `the oneDNN addon is not built (${path.relative(process.cwd(), NATIVE_BINARY) || NATIVE_BINARY} missing; run npm run setup:system)` };
  else {
    // libgomp's default wait policy (OMP_WAIT_POLICY unset): an idle OpenMP thread spins briefly
    // before it sleeps, so the next kernel of a step starts without a wake-up. Making them sleep at
    // once ('passive', this code's setting until the wasm side ran on one thread) cost 10-15 % per
    // step: ResNet-20 bf16 74 → 63 ms, small CNN 25 → 22, DCGAN 133 → 117 (paired runs, 2 threads).
    // Search and job workers run one compute thread each, so nothing spins beside another worker.
    try {
      loaded = { addon: require(NATIVE_BINARY) as NativeAddon };
    } catch (err) {
      loaded = { reason: `the oneDNN addon failed to load: ${String((err as Error).message).split('\n')[0]}` };
    }
  }
  return loaded;
}
