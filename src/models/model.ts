/** What every classifier in the library returns and exposes. */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from './layers';

export interface ForwardOutput {
  /** [batch, classes] */
  logits: tf.Tensor2D;
  /** feature maps at the end of each stage, input side first */
  features: tf.Tensor4D[];
  /** the model's own attention map when it has one (ABN), [batch, H, W, 1] */
  attention?: tf.Tensor4D;
  /** class scores of an auxiliary branch (ABN's attention branch), trained with the labels too */
  auxLogits?: tf.Tensor2D;
}

export interface ModelInfo {
  /** registry name, e.g. "resnet32" */
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
}

export interface Classifier {
  readonly info: ModelInfo;
  readonly params: ParamStore;
  apply(x: tf.Tensor4D, training: boolean): ForwardOutput;
}

/** Variables trained by backprop. */
export function trainableVariables(model: Classifier): tf.Variable[] {
  return model.params.variables();
}

export function numParams(model: Classifier): number {
  return model.params.numParams();
}

/**
 * Builds the model's variables by running it once on a zero batch (shapes are inferred
 * lazily), leaving batch-norm statistics untouched.
 */
export function build<M extends Classifier>(model: M): M {
  tf.tidy(() => {
    model.apply(tf.zeros([1, ...model.info.inputShape]) as tf.Tensor4D, false);
  });
  return model;
}
