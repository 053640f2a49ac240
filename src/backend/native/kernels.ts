/**
 * Kernels of the `native` backend that run on oneDNN (the addon) in place on the wasm heap:
 * Conv2D, Conv2DBackpropInput (also conv2dTranspose), Conv2DBackpropFilter, BatchMatMul, MaxPool
 * and MaxPoolGrad replace the wasm versions; KtgBatchNormTrain / KtgBatchNormTrainGrad are ktg's
 * fused training batch norm (+ ReLU) used by models/batch_norm.ts, KtgAddRelu / KtgReluGrad the
 * fused residual add + ReLU of models/residual.ts, KtgRunningStats batch norm's running averages
 * (models/layers.ts). Add of two large float32 tensors of one shape (residual connections,
 * gradients summed over a tensor's uses) runs multithreaded on oneDNN. Identity shares the input's
 * buffer (as the cpu backend does) instead of copying it: tfjs clones every tensor a gradient
 * saves. Anything these do not cover (NCHW, non-float32, broadcasting they do not handle) goes to
 * the wasm kernel they replace.
 */
import {
  backend_util,
  BatchMatMulAttrs,
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  MaxPoolAttrs,
  MaxPoolGradAttrs,
  TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { heapOf, offsetOf, WasmBackendInternals } from './wasm_heap';

export const BATCH_NORM_TRAIN = 'KtgBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'KtgBatchNormTrainGrad';
/** max(a + b, 0) for float32 tensors of one shape (a residual connection and its ReLU) */
export const ADD_RELU = 'KtgAddRelu';
/** dy where y > 0, else 0: the ReLU's gradient from its output y */
export const RELU_GRAD = 'KtgReluGrad';

/** batch norm's running averages: r ← momentum·r + (1 − momentum)·batch, for the mean and the variance at once */
export const RUNNING_STATS = 'KtgRunningStats';

export interface RunningStatsAttrs {
  momentum: number;
}

/** smaller Adds stay on the wasm kernel (a threshold chosen, not measured: the call overhead of a few µs) */
const NATIVE_ELTWISE_MIN = 16384;

export interface BatchNormTrainAttrs {
  epsilon: number;
  /** a ReLU follows the normalisation (fused; its mask is kept in the workspace output) */
  relu: boolean;
}

/** [N, H, W, CI, KH, KW, CO, OH, OW, sH, sW, dH, dW, padTop, padLeft, padBottom, padRight] */
function geometry(info: backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  ];
}

/** [N, H, W, C, KH, KW, OH, OW, sH, sW, padTop, padLeft, padBottom, padRight] */
function poolGeometry(info: backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  ];
}

function zeros(backend: WasmBackendInternals, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32', undefined, new Float32Array(util.sizeFromShape(shape)));
}

function isNhwcFloat(dataFormat: 'NHWC' | 'NCHW', ...tensors: TensorInfo[]): boolean {
  return backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast' && tensors.every((t) => t.dtype === 'float32');
}

export function nativeKernels(addon: NativeAddon, backendName: string, fallback: (kernelName: string) => KernelFunc): KernelConfig[] {
  const conv2d: KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
    if (!isNhwcFloat(dataFormat, x, filter)) return fallback('Conv2D')(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (util.sizeFromShape(info.outShape) === 0 || util.sizeFromShape(x.shape) === 0) return zeros(backend, info.outShape);
    const y = backend.makeOutput(info.outShape, 'float32');
    addon.convForward(heapOf(backend), offsetOf(backend, x), offsetOf(backend, filter), offsetOf(backend, y), ...geometry(info));
    return y;
  };

  const conv2dBackpropInput: KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (!isNhwcFloat(dataFormat, dy, filter)) return fallback('Conv2DBackpropInput')(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (util.sizeFromShape(inputShape) === 0 || util.sizeFromShape(dy.shape) === 0) return zeros(backend, inputShape);
    const dx = backend.makeOutput(inputShape, 'float32');
    addon.convBackwardData(heapOf(backend), offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, dx), ...geometry(info));
    return dx;
  };

  const conv2dBackpropFilter: KernelFunc = (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!isNhwcFloat(dataFormat, x, dy)) return fallback('Conv2DBackpropFilter')(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (util.sizeFromShape(x.shape) === 0 || util.sizeFromShape(dy.shape) === 0) return zeros(backend, filterShape);
    const dw = backend.makeOutput(filterShape, 'float32');
    addon.convBackwardWeights(heapOf(backend), offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, dw), ...geometry(info));
    return dw;
  };

  const batchMatMul: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return fallback('BatchMatMul')(args);
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA);
    const batchB = util.sizeFromShape(outerB);
    const sameOuter = util.arraysEqual(outerA, outerB);
    if (!sameOuter && batchA !== 1 && batchB !== 1) return fallback('BatchMatMul')(args);
    const [rA, cA] = a.shape.slice(-2);
    const [rB, cB] = b.shape.slice(-2);
    const m = transposeA ? cA : rA;
    const k = transposeA ? rA : cA;
    const n = transposeB ? rB : cB;
    if ((transposeB ? cB : rB) !== k)
      throw new Error(`BatchMatMul: inner dimensions differ (${a.shape} × ${b.shape}, transposeA=${transposeA}, transposeB=${transposeB})`);
    const outer = sameOuter ? outerA : batchA === 1 ? (outerB.length >= outerA.length ? outerB : outerA) : outerA;
    const backend = args.backend as unknown as WasmBackendInternals;
    const c = backend.makeOutput([...outer, m, n], 'float32');
    addon.matmul(heapOf(backend), offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, c), batchA, batchB, m, n, k, transposeA, transposeB);
    return c;
  };

  const maxPool: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolAttrs;
    if (x.dtype !== 'float32' || x.shape.length !== 4) return fallback('MaxPool')(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    if (util.sizeFromShape(info.outShape) === 0 || util.sizeFromShape(x.shape) === 0) return zeros(backend, info.outShape);
    const y = backend.makeOutput(info.outShape, 'float32');
    addon.maxPoolForward(heapOf(backend), offsetOf(backend, x), offsetOf(backend, y), ...poolGeometry(info));
    return y;
  };

  const maxPoolGrad: KernelFunc = (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
    if (input.dtype !== 'float32' || input.shape.length !== 4) return fallback('MaxPoolGrad')(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    if (util.sizeFromShape(info.outShape) === 0 || util.sizeFromShape(input.shape) === 0) return zeros(backend, input.shape);
    const dx = backend.makeOutput(input.shape, 'float32');
    addon.maxPoolBackward(heapOf(backend), offsetOf(backend, input), offsetOf(backend, dy), offsetOf(backend, dx), ...poolGeometry(info));
    return dx;
  };

  const sameShapeFloats = (a: TensorInfo, b: TensorInfo) => a.dtype === 'float32' && b.dtype === 'float32' && util.arraysEqual(a.shape, b.shape);

  /** an output of a's shape, filled by `run` from a and b (skipped for empty tensors) */
  const elementwise = (
    backend: WasmBackendInternals,
    a: TensorInfo,
    b: TensorInfo,
    run: (heap: Float32Array, a: number, b: number, y: number, count: number) => void,
  ): TensorInfo => {
    const y = backend.makeOutput(a.shape, 'float32');
    const count = util.sizeFromShape(a.shape);
    if (count > 0) run(heapOf(backend), offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, y), count);
    return y;
  };

  const requireSameShapeFloats = (kernel: string, [nameA, a]: [string, TensorInfo], [nameB, b]: [string, TensorInfo]): void => {
    if (!sameShapeFloats(a, b))
      throw new Error(`${kernel}: ${nameA} and ${nameB} must be float32 tensors of one shape, got [${a.shape}] ${a.dtype} and [${b.shape}] ${b.dtype}`);
  };

  const add: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!sameShapeFloats(a, b) || util.sizeFromShape(a.shape) < NATIVE_ELTWISE_MIN) return fallback('Add')(args);
    return elementwise(args.backend as unknown as WasmBackendInternals, a, b, (heap, x0, x1, y, n) => addon.add(heap, x0, x1, y, n, false));
  };

  const addRelu: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    requireSameShapeFloats(ADD_RELU, ['a', a], ['b', b]);
    return elementwise(args.backend as unknown as WasmBackendInternals, a, b, (heap, x0, x1, y, n) => addon.add(heap, x0, x1, y, n, true));
  };

  const reluGrad: KernelFunc = (args) => {
    const { y, dy } = args.inputs as { y: TensorInfo; dy: TensorInfo };
    requireSameShapeFloats(RELU_GRAD, ['y', y], ['dy', dy]);
    return elementwise(args.backend as unknown as WasmBackendInternals, y, dy, (heap, out, grad, dx, n) => addon.reluBackward(heap, out, grad, dx, n));
  };

  // a few hundred values: computed here on the heap, one kernel instead of six tf ops per layer
  const runningStats: KernelFunc = (args) => {
    const { runningMean, runningVar, mean, variance } = args.inputs as Record<'runningMean' | 'runningVar' | 'mean' | 'variance', TensorInfo>;
    const { momentum } = args.attrs as unknown as RunningStatsAttrs;
    const c = util.sizeFromShape(runningMean.shape);
    for (const t of [runningVar, mean, variance])
      if (util.sizeFromShape(t.shape) !== c) throw new Error(`${RUNNING_STATS}: statistics must have ${c} values, got [${t.shape}]`);
    const backend = args.backend as unknown as WasmBackendInternals;
    const newMean = backend.makeOutput(runningMean.shape, 'float32');
    const newVar = backend.makeOutput(runningVar.shape, 'float32');
    const heap = heapOf(backend);
    const at = (t: TensorInfo) => offsetOf(backend, t) / 4;
    const [rm, rv, m, v, om, ov] = [runningMean, runningVar, mean, variance, newMean, newVar].map(at);
    const rest = 1 - momentum;
    for (let i = 0; i < c; i++) {
      heap[om + i] = heap[rm + i] * momentum + heap[m + i] * rest;
      heap[ov + i] = heap[rv + i] * momentum + heap[v + i] * rest;
    }
    return [newMean, newVar];
  };

  const identity: KernelFunc = ({ inputs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };

  /** [N, H, W, C] of a channels-last tensor of rank 2 or 4 */
  const nhwc = (x: TensorInfo): [number, number, number, number] => {
    if (x.shape.length === 4) return x.shape as [number, number, number, number];
    if (x.shape.length === 2) return [x.shape[0], 1, 1, x.shape[1]];
    throw new Error(`training batch norm: input must have rank 2 or 4, got shape [${x.shape}]`);
  };

  const batchNormTrain: KernelFunc = (args) => {
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { epsilon, relu } = args.attrs as unknown as BatchNormTrainAttrs;
    const backend = args.backend as unknown as WasmBackendInternals;
    const [n, h, w, c] = nhwc(x);
    const wsFloats = relu ? Math.ceil(addon.batchNormWorkspaceBytes(n, h, w, c, relu, epsilon) / 4) : 0;
    const y = backend.makeOutput(x.shape, 'float32');
    const mean = backend.makeOutput([c], 'float32');
    const variance = backend.makeOutput([c], 'float32');
    const workspace = backend.makeOutput([wsFloats], 'float32');
    addon.batchNormForward(
      heapOf(backend),
      offsetOf(backend, x),
      offsetOf(backend, gamma),
      offsetOf(backend, beta),
      offsetOf(backend, y),
      offsetOf(backend, mean),
      offsetOf(backend, variance),
      offsetOf(backend, workspace),
      n,
      h,
      w,
      c,
      relu,
      epsilon,
    );
    return [y, mean, variance, workspace];
  };

  const batchNormTrainGrad: KernelFunc = (args) => {
    const { x, dy, mean, variance, gamma, beta, workspace } = args.inputs as Record<
      'x' | 'dy' | 'mean' | 'variance' | 'gamma' | 'beta' | 'workspace',
      TensorInfo
    >;
    const { epsilon, relu } = args.attrs as unknown as BatchNormTrainAttrs;
    const backend = args.backend as unknown as WasmBackendInternals;
    const [n, h, w, c] = nhwc(x);
    const dx = backend.makeOutput(x.shape, 'float32');
    const dgamma = backend.makeOutput([c], 'float32');
    const dbeta = backend.makeOutput([c], 'float32');
    const o = (t: TensorInfo) => offsetOf(backend, t);
    addon.batchNormBackward(
      heapOf(backend),
      o(x),
      o(dy),
      o(mean),
      o(variance),
      o(gamma),
      o(beta),
      o(workspace),
      o(dx),
      o(dgamma),
      o(dbeta),
      n,
      h,
      w,
      c,
      relu,
      epsilon,
    );
    return [dx, dgamma, dbeta];
  };

  const table: Array<[string, KernelFunc]> = [
    ['Conv2D', conv2d],
    ['Conv2DBackpropInput', conv2dBackpropInput],
    ['Conv2DBackpropFilter', conv2dBackpropFilter],
    ['BatchMatMul', batchMatMul],
    ['MaxPool', maxPool],
    ['MaxPoolGrad', maxPoolGrad],
    ['Identity', identity],
    ['Add', add],
    [ADD_RELU, addRelu],
    [RELU_GRAD, reluGrad],
    [RUNNING_STATS, runningStats],
    [BATCH_NORM_TRAIN, batchNormTrain],
    [BATCH_NORM_TRAIN_GRAD, batchNormTrainGrad],
  ];
  return table.map(([kernelName, kernelFunc]) => ({ kernelName, backendName, kernelFunc }));
}
