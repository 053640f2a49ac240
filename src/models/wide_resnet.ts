/**
 * Wide ResNet d-k (Zagoruyko & Komodakis 2016) for 32×32 inputs: a 3×3 stem of 16 channels, then
 * 3 groups of (d−4)/6 pre-activation blocks (BN-ReLU-conv3×3, BN-ReLU-conv3×3) of 16k/32k/64k
 * channels, 1×1 projection shortcuts where the shape changes, a final BN-ReLU and global average
 * pooling. WRN-28-2 has ≈ 1.47 M parameters (CIFAR-10).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, conv2d, dense, globalAvgPool, ParamStore } from './layers';
import { Classifier, ForwardOutput, ModelInfo } from './model';

export interface WideResNetOptions {
  depth: number;
  widen: number;
  numClasses: number;
  inputShape?: [number, number, number];
  seed?: number;
}

export class WideResNet implements Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;
  readonly blocksPerGroup: number;

  constructor(readonly options: WideResNetOptions) {
    if ((options.depth - 4) % 6 !== 0) throw new Error(`Wide ResNet depth must be 6n+4 (16, 22, 28, 40), got ${options.depth}`);
    this.blocksPerGroup = (options.depth - 4) / 6;
    this.info = { name: `wrn${options.depth}-${options.widen}`, inputShape: options.inputShape ?? [32, 32, 3], numClasses: options.numClasses };
    this.params = new ParamStore(options.seed ?? 0, `${this.info.name}/`);
  }

  apply(x: tf.Tensor4D, training: boolean): ForwardOutput {
    const p = this.params;
    let h = conv2d(p, 'stem/conv', x, 16, 3);
    const features: tf.Tensor4D[] = [];
    for (let g = 0; g < 3; g++) {
      const filters = 16 * this.options.widen * 2 ** g;
      for (let b = 0; b < this.blocksPerGroup; b++) {
        const stride = g > 0 && b === 0 ? 2 : 1;
        const name = `group${g + 1}/block${b + 1}`;
        const pre = batchNormRelu(p, `${name}/bn1`, h, training);
        let y = conv2d(p, `${name}/conv1`, pre, filters, 3, stride);
        y = conv2d(p, `${name}/conv2`, batchNormRelu(p, `${name}/bn2`, y, training), filters, 3);
        const shortcut = h.shape[3] === filters && stride === 1 ? h : conv2d(p, `${name}/shortcut`, pre, filters, 1, stride, 'valid');
        h = tf.add<tf.Tensor4D>(y, shortcut);
      }
      features.push(h);
    }
    const out = batchNormRelu(p, 'final/bn', h, training);
    features[features.length - 1] = out;
    return { logits: dense(p, 'fc', globalAvgPool(out), this.info.numClasses), features };
  }
}
