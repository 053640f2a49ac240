/**
 * Attention Branch Network (Fukui et al. 2019) on a CIFAR ResNet: the feature extractor is the stem
 * and stages 1–2; the attention branch runs stage-3 blocks at stride 1, then BN-ReLU and a 1×1 conv
 * to K = classes maps, from which (a) a 1×1 conv + global average pooling gives the branch's own
 * class scores (`auxLogits`, trained with labels too) and (b) a 1×1 conv + BN + sigmoid gives the
 * attention map M; the perception branch runs stage 3 on (1 + M)·g(x). The map is returned as
 * `attention` [n, h, w, 1] for attention-map edges (thesis Ch.4).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, batchNormRelu, conv2d, dense, globalAvgPool, ParamStore } from './layers';
import { Classifier, ForwardOutput, ModelInfo } from './model';
import { addRelu } from './residual';

export interface AbnResNetOptions {
  depth: number;
  numClasses: number;
  inputShape?: [number, number, number];
  seed?: number;
}

function shortcut(p: ParamStore, name: string, x: tf.Tensor4D, filters: number, stride: number, training: boolean): tf.Tensor4D {
  if (stride === 1 && x.shape[3] === filters) return x;
  return batchNorm(p, `${name}/down/bn`, conv2d(p, `${name}/down/conv`, x, filters, 1, stride, 'valid'), training);
}

export class AbnResNet implements Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;
  readonly blocks: number;

  constructor(readonly options: AbnResNetOptions) {
    if ((options.depth - 2) % 6 !== 0) throw new Error(`ABN ResNet depth must be 6n+2 (20, 32, 56, 110), got ${options.depth}`);
    this.blocks = (options.depth - 2) / 6;
    this.info = { name: `abn-resnet${options.depth}`, inputShape: options.inputShape ?? [32, 32, 3], numClasses: options.numClasses };
    this.params = new ParamStore(options.seed ?? 0, `${this.info.name}/`);
  }

  private stage(prefix: string, h: tf.Tensor4D, filters: number, firstStride: number, training: boolean): tf.Tensor4D {
    const p = this.params;
    for (let b = 0; b < this.blocks; b++) {
      const stride = b === 0 ? firstStride : 1;
      const name = `${prefix}/block${b + 1}`;
      let y = batchNormRelu(p, `${name}/bn1`, conv2d(p, `${name}/conv1`, h, filters, 3, stride), training);
      y = batchNorm(p, `${name}/bn2`, conv2d(p, `${name}/conv2`, y, filters, 3), training);
      h = addRelu(y, shortcut(p, name, h, filters, stride, training));
    }
    return h;
  }

  apply(x: tf.Tensor4D, training: boolean): ForwardOutput {
    const p = this.params;
    const k = this.info.numClasses;
    let h = batchNormRelu(p, 'stem/bn', conv2d(p, 'stem/conv', x, 16, 3), training);
    const s1 = this.stage('stage1', h, 16, 1, training);
    const s2 = this.stage('stage2', s1, 32, 2, training);
    // attention branch
    const a = this.stage('attention', s2, 64, 1, training);
    const maps = tf.relu(conv2d(p, 'attention/classes', batchNormRelu(p, 'attention/bn', a, training), k, 1, 1, 'valid'));
    const auxLogits = globalAvgPool(batchNorm(p, 'attention/score_bn', conv2d(p, 'attention/score', maps, k, 1, 1, 'valid'), training));
    const attention = tf.sigmoid(batchNorm(p, 'attention/map_bn', conv2d(p, 'attention/map', maps, 1, 1, 1, 'valid'), training));
    // perception branch on (1 + M)·g(x)
    h = tf.mul(s2, tf.add(attention, 1));
    const s3 = this.stage('stage3', h, 64, 2, training);
    return { logits: dense(p, 'fc', globalAvgPool(s3), k), features: [s1, s2, s3], attention, auxLogits };
  }
}
