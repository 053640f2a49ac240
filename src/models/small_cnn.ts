/**
 * Small, fast CNNs for CPU presets: `stages` blocks of conv3×3-BN-ReLU (+2×2 max-pool between
 * blocks), channel width doubling per stage, then global average pooling and a linear classifier.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, conv2d, dense, globalAvgPool, ParamStore } from './layers';
import { Classifier, ForwardOutput, ModelInfo } from './model';

export interface SmallCnnOptions {
  numClasses: number;
  inputShape?: [number, number, number];
  /** channels of the first block */
  width?: number;
  stages?: number;
  seed?: number;
  name?: string;
}

export class SmallCnn implements Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;
  readonly width: number;
  readonly stages: number;

  constructor(options: SmallCnnOptions) {
    this.width = options.width ?? 32;
    this.stages = options.stages ?? 3;
    this.info = { name: options.name ?? `cnn${this.width}`, inputShape: options.inputShape ?? [32, 32, 3], numClasses: options.numClasses };
    this.params = new ParamStore(options.seed ?? 0, `${this.info.name}/`);
  }

  apply(x: tf.Tensor4D, training: boolean): ForwardOutput {
    const p = this.params;
    let h = x;
    const features: tf.Tensor4D[] = [];
    for (let s = 0; s < this.stages; s++) {
      if (s > 0) h = tf.maxPool(h, 2, 2, 'valid');
      h = batchNormRelu(p, `block${s + 1}/bn`, conv2d(p, `block${s + 1}/conv`, h, this.width * 2 ** s, 3), training);
      features.push(h);
    }
    return { logits: dense(p, 'fc', globalAvgPool(h), this.info.numClasses), features };
  }
}

/**
 * Multinomial logistic regression on the pixels (TensorFlow's mnist_softmax, paper 001's classifier).
 * `features` is the input itself (the model has no hidden layer).
 */
export class SoftmaxRegression implements Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;

  constructor(options: SmallCnnOptions) {
    this.info = { name: options.name ?? 'softmax', inputShape: options.inputShape ?? [28, 28, 1], numClasses: options.numClasses };
    this.params = new ParamStore(options.seed ?? 0, `${this.info.name}/`);
  }

  apply(x: tf.Tensor4D, _training: boolean): ForwardOutput {
    return { logits: dense(this.params, 'fc', tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D, this.info.numClasses), features: [x] };
  }
}
