/**
 * Generated images as training data (paper 001): a conditional generator's samples become an
 * ImageDataset (uint8, balanced labels) that every classifier, trainer and figure accepts; 1:1
 * mixes with real data keep the size of the real set.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ImageDataset } from '../data/dataset';
import { Rng } from '../data/random';
import { DcganGenerator } from './dcgan';
import { generateImages } from './train_gan';

/** images in [−1, 1] as uint8 pixels (NHWC), e.g. for `imageGridPng` */
export function toPixels(images: tf.Tensor4D): Uint8Array {
  return Uint8Array.from(tf.tidy(() => tf.clipByValue(tf.round(tf.mul(tf.add(images, 1), 127.5)), 0, 255).dataSync()));
}

/** `n` samples of a conditional generator as a dataset shaped and labelled like `like`. */
export function generatedDataset(
  generator: DcganGenerator,
  n: number,
  seed: number,
  like: Pick<ImageDataset, 'classes' | 'shape'>,
  name: string,
): ImageDataset {
  if (!generator.options.classes) throw new Error('a labelled training set needs a conditional generator (trainGan with conditional: true)');
  const { images, labels } = generateImages(generator, n, seed);
  const [, h, w, c] = images.shape;
  if (h !== like.shape[0] || w !== like.shape[1] || c !== like.shape[2]) {
    images.dispose();
    throw new Error(`the generator makes ${h}×${w}×${c} images, the dataset is ${like.shape.join('×')}`);
  }
  const pixels = toPixels(images);
  images.dispose();
  return { name, images: pixels, labels: labels!, shape: like.shape, classes: like.classes };
}

/** Half of `a` and half of `b` (seeded choice), shuffled, with as many samples as `a` (paper 001 ⑥–⑨). */
export function mixHalf(a: ImageDataset, b: ImageDataset, seed: number, name = `${a.name}+${b.name}`): ImageDataset {
  const size = a.shape[0] * a.shape[1] * a.shape[2];
  if (a.shape.join() !== b.shape.join()) throw new Error(`cannot mix ${a.shape.join('×')} with ${b.shape.join('×')} images`);
  const n = a.labels.length;
  const fromA = Math.ceil(n / 2);
  const fromB = n - fromA;
  if (fromB > b.labels.length) throw new Error(`${b.name} has ${b.labels.length} samples, ${fromB} needed`);
  const rng = new Rng(seed);
  const pa = rng.permutation(a.labels.length).subarray(0, fromA);
  const pb = rng.permutation(b.labels.length).subarray(0, fromB);
  const order = rng.permutation(n);
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = order[i];
    const [src, j] = k < fromA ? [a, pa[k]] : [b, pb[k - fromA]];
    images.set(src.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = src.labels[j];
  }
  return { name, images, labels, shape: a.shape, classes: a.classes };
}
