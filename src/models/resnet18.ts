/**
 * ResNet-18 (He et al. 2016, Table 1): 4 stages of 2 basic blocks with 64/128/256/512 channels,
 * 1×1 projection shortcuts where the shape changes. The ImageNet stem (7×7/2 conv + 3×3/2 max-pool)
 * is used for inputs of 64 px and more (fine-grained datasets), a 3×3/1 stem for small images.
 * 11.69 M parameters with 1,000 classes (the usual torchvision count).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, conv2d, dense, globalAvgPool, ParamStore } from './layers';
import { Classifier, ForwardOutput, ModelInfo } from './model';
import { addRelu } from './residual';

export interface ResNet18Options {
  numClasses: number;
  inputShape?: [number, number, number];
  /** default: "imagenet" for inputs ≥ 64 px, else "small" */
  stem?: 'imagenet' | 'small';
  seed?: number;
}

export class ResNet18 implements Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;
  readonly stem: 'imagenet' | 'small';

  constructor(options: ResNet18Options) {
    const inputShape = options.inputShape ?? [224, 224, 3];
    this.stem = options.stem ?? (inputShape[0] >= 64 ? 'imagenet' : 'small');
    this.info = { name: 'resnet18', inputShape, numClasses: options.numClasses };
    this.params = new ParamStore(options.seed ?? 0, 'resnet18/');
  }

  apply(x: tf.Tensor4D, training: boolean): ForwardOutput {
    const p = this.params;
    let h =
      this.stem === 'imagenet'
        ? tf.maxPool(batchNormRelu(p, 'stem/bn', conv2d(p, 'stem/conv', x, 64, 7, 2), training), 3, 2, 'same')
        : batchNormRelu(p, 'stem/bn', conv2d(p, 'stem/conv', x, 64, 3), training);
    const features: tf.Tensor4D[] = [];
    [64, 128, 256, 512].forEach((filters, stage) => {
      for (let b = 0; b < 2; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const name = `stage${stage + 1}/block${b + 1}`;
        let y = batchNormRelu(p, `${name}/bn1`, conv2d(p, `${name}/conv1`, h, filters, 3, stride), training);
        y = batchNorm(p, `${name}/bn2`, conv2d(p, `${name}/conv2`, y, filters, 3), training);
        const shortcut =
          stride === 1 && h.shape[3] === filters
            ? h
            : batchNorm(p, `${name}/down/bn`, conv2d(p, `${name}/down/conv`, h, filters, 1, stride, 'valid'), training);
        h = addRelu(y, shortcut);
      }
      features.push(h);
    });
    return { logits: dense(p, 'fc', globalAvgPool(h), this.info.numClasses), features };
  }
}
