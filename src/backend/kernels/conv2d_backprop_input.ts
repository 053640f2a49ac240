/**
 * Conv2DBackpropInput (the gradient of a convolution w.r.t. its input, and the forward pass of a
 * transposed convolution) as ordinary XNNPACK convolutions instead of wasm's scalar loop.
 *
 * For stride s the output rows split into s phases a = 0..s−1 (rows h = s·i + a), likewise for
 * columns (sub-pixel decomposition). Row h receives the filter taps kh ≡ h + pad (mod s):
 *
 *   dx[s·i+a] = Σ_t dy[i + c_a − t] · W[r_a + s·t],   r_a = (a + pad) mod s,  c_a = (a + pad − r_a)/s
 *
 * which is a stride-1 correlation of dy with the phase's taps reversed and W's channels swapped.
 * The s² phase results are then interleaved. For s = 1 this is the usual "full" convolution with the
 * rotated filter.
 */
import { backend_util, Conv2DBackpropInputAttrs, KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope } from './kernel_scope';

interface PhasePlan {
  /** first tap of the phase */
  first: number;
  /** number of taps */
  taps: number;
  /** number of output rows in the phase */
  size: number;
  /** rows of padding before/after dy (negative: rows of dy to drop) */
  lead: number;
  trail: number;
}

function planPhase(phase: number, stride: number, pad: number, kernel: number, inSize: number, outSize: number): PhasePlan {
  const first = (((phase + pad) % stride) + stride) % stride;
  const taps = first < kernel ? Math.ceil((kernel - first) / stride) : 0;
  const size = Math.ceil((outSize - phase) / stride);
  const c = (phase + pad - first) / stride;
  const lead = taps - 1 - c;
  const trail = size + taps - 1 - inSize - lead;
  return { first, taps, size, lead, trail };
}

/**
 * Taps first, first + s, ... of the filter [kh, kw, ci, co] for one (row, column) phase, reversed
 * in both spatial axes, with in/out channels swapped: [taps_r, taps_c, co, ci].
 */
function phaseFilter(w: Float32Array, shape: [number, number, number, number], r: PhasePlan, c: PhasePlan, sh: number, sw: number): Float32Array {
  const [, kw, ci, co] = shape;
  const out = new Float32Array(r.taps * c.taps * co * ci);
  let o = 0;
  for (let t = 0; t < r.taps; t++) {
    const y = r.first + sh * (r.taps - 1 - t);
    for (let u = 0; u < c.taps; u++) {
      const x = c.first + sw * (c.taps - 1 - u);
      const base = (y * kw + x) * ci * co;
      for (let j = 0; j < co; j++) {
        for (let i = 0; i < ci; i++) out[o++] = w[base + i * co + j];
      }
    }
  }
  return out;
}

export function conv2dBackpropInputKernel(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== 'channelsLast') throw new Error(`Conv2DBackpropInput: only NHWC is supported, got ${dataFormat}`);
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
    const [n, h, w, ci] = inputShape;
    const [kh, kw] = filter.shape;
    const { strideHeight: sh, strideWidth: sw } = info;
    const [, oh, ow, co] = dy.shape;
    const scope = new KernelScope(backend as KernelBackend, backendName);
    try {
      const rows = Array.from({ length: sh }, (_, a) => planPhase(a, sh, info.padInfo.top, kh, oh, h));
      const cols = Array.from({ length: sw }, (_, b) => planPhase(b, sw, info.padInfo.left, kw, ow, w));
      // the filter is small: its per-phase rearrangement runs in JS (wasm's StridedSlice/Reverse are scalar loops)
      const weights = scope.values(filter);
      const phaseRows = Math.ceil(h / sh);
      const phaseCols = Math.ceil(w / sw);
      const phase = (r: PhasePlan, c: PhasePlan): TensorInfo => {
        if (r.taps === 0 || c.taps === 0 || r.size <= 0 || c.size <= 0) return scope.zeros([n, phaseRows, phaseCols, ci]);
        const flipped = scope.fromValues(phaseFilter(weights, filter.shape as [number, number, number, number], r, c, sh, sw), [r.taps, c.taps, co, ci]);
        // negative padding = rows of dy that this phase never reads
        const dropTop = Math.max(-r.lead, 0);
        const dropLeft = Math.max(-c.lead, 0);
        const keepRows = oh - dropTop - Math.max(-r.trail, 0);
        const keepCols = ow - dropLeft - Math.max(-c.trail, 0);
        const input = scope.slice(dy, [0, dropTop, dropLeft, 0], [n, keepRows, keepCols, co]);
        const out = scope.run(
          'Conv2D',
          { x: input, filter: flipped },
          {
            strides: [1, 1],
            pad: [
              [0, 0],
              [Math.max(r.lead, 0), Math.max(r.trail, 0)],
              [Math.max(c.lead, 0), Math.max(c.trail, 0)],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            dilations: [1, 1],
            dimRoundingMode: undefined as unknown as string,
          },
        );
        if (sh === 1 && sw === 1) return out;
        return scope.pad(out, [
          [0, 0],
          [0, phaseRows - r.size],
          [0, phaseCols - c.size],
          [0, 0],
        ]);
      };
      if (sh === 1 && sw === 1) return scope.keep(phase(rows[0], cols[0]));
      // interleave: [n, phaseRows, sh, phaseCols, sw, ci] -> [n, phaseRows·sh, phaseCols·sw, ci]
      const byRow = rows.map((r) => scope.run('Pack', cols.map((c) => phase(r, c)) as unknown as Record<string, TensorInfo>, { axis: 3 }));
      const packed = scope.run('Pack', byRow as unknown as Record<string, TensorInfo>, { axis: 2 });
      const merged = scope.reshape(packed, [n, phaseRows * sh, phaseCols * sw, ci]);
      return scope.keep(scope.slice(merged, [0, 0, 0, 0], [n, h, w, ci]));
    } finally {
      scope.dispose();
    }
  };
  return { kernelName: 'Conv2DBackpropInput', backendName, kernelFunc };
}
