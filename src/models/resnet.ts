/**
 * CIFAR ResNet-n (He et al. 2016, §4.2): 3 stages of 16/32/64 channels with (n−2)/6 basic blocks
 * each, option-A shortcuts (strided identity, zero-padded channels), global average pooling.
 * ResNet-20/32/56/110 have 0.27/0.46/0.85/1.7 M parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, conv2d, dense, globalAvgPool, ParamStore } from './layers';
import { Classifier, ForwardOutput, ModelInfo } from './model';
import { addRelu } from './residual';

export interface CifarResNetOptions {
  depth: number;
  numClasses: number;
  inputShape?: [number, number, number];
  /** channels of the first stage (16 in the paper) */
  width?: number;
  seed?: number;
}

/**
 * Option-A shortcut: x[:, ::s, ::s, :] with zero-padded channels, written as one fixed 1×1
 * convolution whose kernel is an identity with zero columns (fast on XNNPACK, differentiable).
 */
function shortcutA(x: tf.Tensor4D, filters: number, stride: number): tf.Tensor4D {
  const inC = x.shape[3];
  if (stride === 1 && inC === filters) return x;
  return tf.tidy(() => {
    const offset = Math.floor((filters - inC) / 2);
    const kernel = tf.reshape(
      tf.pad(tf.eye(inC), [
        [0, 0],
        [offset, filters - inC - offset],
      ]),
      [1, 1, inC, filters],
    ) as tf.Tensor4D;
    return tf.conv2d(x, kernel, stride, 'valid');
  });
}

export class CifarResNet implements Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;
  readonly blocksPerStage: number;
  readonly width: number;

  constructor(readonly options: CifarResNetOptions) {
    if ((options.depth - 2) % 6 !== 0) throw new Error(`CIFAR ResNet depth must be 6n+2 (20, 32, 56, 110), got ${options.depth}`);
    this.blocksPerStage = (options.depth - 2) / 6;
    this.width = options.width ?? 16;
    this.info = { name: `resnet${options.depth}`, inputShape: options.inputShape ?? [32, 32, 3], numClasses: options.numClasses };
    this.params = new ParamStore(options.seed ?? 0, `${this.info.name}/`);
  }

  apply(x: tf.Tensor4D, training: boolean): ForwardOutput {
    const p = this.params;
    let h = batchNormRelu(p, 'stem/bn', conv2d(p, 'stem/conv', x, this.width, 3), training);
    const features: tf.Tensor4D[] = [];
    for (let stage = 0; stage < 3; stage++) {
      const filters = this.width * 2 ** stage;
      for (let b = 0; b < this.blocksPerStage; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const name = `stage${stage + 1}/block${b + 1}`;
        let y = batchNormRelu(p, `${name}/bn1`, conv2d(p, `${name}/conv1`, h, filters, 3, stride), training);
        y = batchNorm(p, `${name}/bn2`, conv2d(p, `${name}/conv2`, y, filters, 3), training);
        h = addRelu(y, shortcutA(h, filters, stride));
      }
      features.push(h);
    }
    return { logits: dense(p, 'fc', globalAvgPool(h), this.info.numClasses), features };
  }
}
