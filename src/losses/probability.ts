/**
 * Per-sample losses between output distributions ([batch] tensors, not yet averaged, so that a
 * gate can weight each sample). Sources are expected to be stop-gradient already.
 */
import * as tf from '@tensorflow/tfjs-core';

const EPS = 1e-7;

/** softmax(logits / T) */
export function temperatureSoftmax(logits: tf.Tensor2D, temperature = 1): tf.Tensor2D {
  return tf.softmax(temperature === 1 ? logits : tf.div(logits, temperature)) as tf.Tensor2D;
}

/** KL(p_s ‖ p_t) per sample, p_s given as probabilities, p_t as logits (Eq 3.2) */
export function klDivergence(sourceProbs: tf.Tensor2D, targetLogits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(targetLogits);
    const logPs = tf.log(tf.maximum(sourceProbs, EPS));
    return tf.sum(tf.mul(sourceProbs, tf.sub(logPs, logPt)), 1) as tf.Tensor1D;
  });
}

/** cross-entropy with integer labels per sample (= KL(one-hot ‖ p_t), Eq 3.1) */
export function crossEntropy(labels: tf.Tensor1D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  });
}

/** Hinton KD per sample: T² · KL(softmax(z_s/T) ‖ softmax(z_t/T)) */
export function distillation(sourceLogits: tf.Tensor2D, targetLogits: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.mul(
        klDivergence(temperatureSoftmax(sourceLogits, temperature), tf.div(targetLogits, temperature) as tf.Tensor2D),
        temperature * temperature,
      ) as tf.Tensor1D,
  );
}

/** 1 − Pearson correlation of each row (the inter-class term of DIST) */
export function pearsonDistance(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const ca = tf.sub(a, tf.mean(a, 1, true));
    const cb = tf.sub(b, tf.mean(b, 1, true));
    const num = tf.sum(tf.mul(ca, cb), 1);
    const den = tf.sqrt(tf.mul(tf.sum(tf.square(ca), 1), tf.sum(tf.square(cb), 1)));
    return tf.sub(1, tf.div(num, tf.add(den, EPS))) as tf.Tensor1D;
  });
}

/** cosine similarity of each row (a "push" loss minimises it) */
export function cosineSimilarity(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const num = tf.sum(tf.mul(a, b), 1);
    const den = tf.mul(tf.norm(a, 2, 1), tf.norm(b, 2, 1));
    return tf.div(num, tf.add(den, EPS)) as tf.Tensor1D;
  });
}
