/**
 * Conv2DBackpropFilter as one forward convolution (the stock wasm backend has no such kernel).
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[n,oh,ow,co]
 *
 * Read x as an image batch over ci with n channels, x' = [ci,H,W,n], and dy as a filter of
 * spatial size OH×OW, dy' = [OH,OW,n,co]: dW is then the stride-1 convolution of x' with dy'
 * dilated by the forward stride, producing [ci,KH,KW,co]. That one call runs on XNNPACK.
 */
import { backend_util, Conv2DBackpropFilterAttrs, KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope } from './kernel_scope';

/** Padding after the input so that a stride-1 conv with `taps` taps at `dilation` yields `outSize`. */
function trailingPad(inSize: number, leadPad: number, taps: number, dilation: number, outSize: number): number {
  return outSize - 1 + (taps - 1) * dilation + 1 - inSize - leadPad;
}

export function conv2dBackpropFilterKernel(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== 'channelsLast') throw new Error(`Conv2DBackpropFilter: only NHWC is supported, got ${dataFormat}`);
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
    const [n, h, w, ci] = x.shape;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const scope = new KernelScope(backend as KernelBackend, backendName);
    try {
      const top = info.padInfo.top;
      const left = info.padInfo.left;
      let bottom = trailingPad(h, top, oh, sh, kh);
      let right = trailingPad(w, left, ow, sw, kw);
      // Rows/columns of x that no output position reads (VALID padding leftovers) are cut off.
      let xT = scope.transpose(x, [3, 1, 2, 0]);
      if (bottom < 0 || right < 0) {
        xT = scope.slice(xT, [0, 0, 0, 0], [ci, h + Math.min(bottom, 0), w + Math.min(right, 0), n]);
        bottom = Math.max(bottom, 0);
        right = Math.max(right, 0);
      }
      const dyT = scope.transpose(dy, [1, 2, 0, 3]);
      const grad = scope.run(
        'Conv2D',
        { x: xT, filter: dyT },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [sh, sw],
          dimRoundingMode: undefined as unknown as string,
        },
      );
      return scope.keep(scope.transpose(grad, [1, 2, 0, 3]));
    } finally {
      scope.dispose();
    }
  };
  return { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc };
}
