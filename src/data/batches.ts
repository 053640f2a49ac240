/**
 * Seeded mini-batches as tensors. The order depends only on (seed, epoch); pixels are scaled to
 * [-1, 1]. Labels come as int32 class indices.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ImageDataset } from './dataset';
import { augment, Augmentation } from './augment';
import { Rng } from './random';

export interface Batch {
  x: tf.Tensor4D;
  labels: tf.Tensor1D;
  indices: Int32Array;
}

export interface BatchOptions {
  batchSize: number;
  seed?: number;
  epoch?: number;
  shuffle?: boolean;
  augmentation?: Augmentation;
  /** keep the last, smaller batch (default true when not shuffling) */
  keepLast?: boolean;
}

export function toTensor(ds: ImageDataset, indices: ArrayLike<number>, augmentation: Augmentation = 'none', rng = new Rng(0)): tf.Tensor4D {
  const [h, w, c] = ds.shape;
  const size = h * w * c;
  const values = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    const img = augment(ds.images.subarray(j * size, (j + 1) * size), ds.shape, augmentation, rng);
    for (let p = 0; p < size; p++) values[i * size + p] = img[p] / 127.5 - 1;
  }
  return tf.tensor4d(values, [indices.length, h, w, c]);
}

export function* batches(ds: ImageDataset, options: BatchOptions): Generator<Batch> {
  const n = ds.labels.length;
  const seed = (options.seed ?? 0) * 1_000_003 + (options.epoch ?? 0);
  const rng = new Rng(seed);
  const shuffle = options.shuffle ?? true;
  const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const keepLast = options.keepLast ?? !shuffle;
  for (let start = 0; start < n; start += options.batchSize) {
    const end = Math.min(start + options.batchSize, n);
    if (end - start < options.batchSize && !keepLast) break;
    const indices = order.slice(start, end);
    const labels = Int32Array.from(indices, (i) => ds.labels[i]);
    yield { x: toTensor(ds, indices, options.augmentation ?? 'none', rng), labels: tf.tensor1d(labels, 'int32'), indices };
  }
}
