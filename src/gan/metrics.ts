/**
 * Sample-quality metrics without Inception weights: a classifier trained on the dataset stands in
 * for Inception. Inception Score exp(E_x KL(p(y|x) ‖ p(y))) over splits, and the Fréchet distance
 * ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) between feature Gaussians (penultimate layer: the global
 * average of the classifier's last feature map). Tr((Σ₁Σ₂)^½) is computed as Σ √λ_i of the symmetric
 * √Σ₁ Σ₂ √Σ₁ (ml-matrix eigen-decompositions).
 */
import * as tf from '@tensorflow/tfjs-core';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Classifier } from '../models/model';

/** mean and standard deviation of the Inception Score over `splits` equal parts of `probs` [n × classes] */
export function inceptionScore(probs: Float32Array | number[], classes: number, splits = 10): { mean: number; std: number } {
  const n = probs.length / classes;
  const size = Math.floor(n / splits);
  if (size < 1) throw new Error(`Inception Score needs at least ${splits} samples, got ${n}`);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const marginal = new Float64Array(classes);
    for (let i = s * size; i < (s + 1) * size; i++) for (let c = 0; c < classes; c++) marginal[c] += probs[i * classes + c] / size;
    let kl = 0;
    for (let i = s * size; i < (s + 1) * size; i++) {
      for (let c = 0; c < classes; c++) {
        const p = probs[i * classes + c];
        if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
      }
    }
    scores.push(Math.exp(kl / size));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  return { mean, std: Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits) };
}

function gaussian(features: Float32Array, dim: number): { mean: number[]; cov: Matrix } {
  const n = features.length / dim;
  const mean = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += features[i * dim + d] / n;
  const centred = new Matrix(n, dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) centred.set(i, d, features[i * dim + d] - mean[d]);
  return {
    mean,
    cov: centred
      .transpose()
      .mmul(centred)
      .div(Math.max(n - 1, 1)),
  };
}

function symmetricSqrt(m: Matrix): Matrix {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = e.eigenvectorMatrix;
  const d = Matrix.diag(e.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0))));
  return v.mmul(d).mmul(v.transpose());
}

/** Fréchet distance between the Gaussians of two feature sets [n × dim] */
export function frechetDistance(a: Float32Array, b: Float32Array, dim: number): number {
  const ga = gaussian(a, dim);
  const gb = gaussian(b, dim);
  const diff = ga.mean.reduce((s, m, i) => s + (m - gb.mean[i]) ** 2, 0);
  const rootA = symmetricSqrt(ga.cov);
  const inner = rootA.mmul(gb.cov).mmul(rootA);
  const sym = inner.add(inner.transpose()).div(2);
  const traceSqrt = new EigenvalueDecomposition(sym, { assumeSymmetric: true }).realEigenvalues.reduce((s, x) => s + Math.sqrt(Math.max(x, 0)), 0);
  return diff + ga.cov.trace() + gb.cov.trace() - 2 * traceSqrt;
}

/** class probabilities [n × classes] and penultimate features [n × dim] of images in [−1, 1] (NHWC) */
export function classifierOutputs(
  classifier: Classifier,
  images: tf.Tensor4D,
  batchSize = 256,
): { probs: Float32Array; features: Float32Array; dim: number; classes: number } {
  const n = images.shape[0];
  const classes = classifier.info.numClasses;
  const probs = new Float32Array(n * classes);
  let features = new Float32Array(0);
  let dim = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const [p, f] = tf.tidy(() => {
      const out = classifier.apply(tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]), false);
      return [tf.softmax(out.logits), tf.mean(out.features[out.features.length - 1], [1, 2])];
    });
    if (!dim) {
      dim = f.shape[1]!;
      features = new Float32Array(n * dim);
    }
    probs.set(p.dataSync(), start * classes);
    features.set(f.dataSync(), start * dim);
    tf.dispose([p, f]);
  }
  return { probs, features, dim, classes };
}
