/** Endless shuffled batches of real images in [−1, 1], resized when the GAN works at another size. */
import * as tf from '@tensorflow/tfjs-core';
import { toTensor } from '../data/batches';
import { ImageDataset } from '../data/dataset';
import { Rng } from '../data/random';

export function realImageStream(
  data: ImageDataset,
  batchSize: number,
  imageSize: number,
  channels: number,
  rng: Rng,
): () => { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const [h, w, c] = data.shape;
  if (c !== channels) throw new Error(`the data has ${c} channel(s) but the GAN makes ${channels}-channel images`);
  if (batchSize > data.labels.length) throw new Error(`batch size ${batchSize} exceeds the ${data.labels.length} real images`);
  const resize = h !== imageSize || w !== imageSize;
  let order = rng.permutation(data.labels.length);
  let at = 0;
  return () => {
    if (at + batchSize > order.length) {
      order = rng.permutation(data.labels.length);
      at = 0;
    }
    const indices = order.subarray(at, at + batchSize);
    at += batchSize;
    const labels = tf.tensor1d(
      Array.from(indices, (i) => data.labels[i]),
      'int32',
    );
    const batch = toTensor(data, indices);
    if (!resize) return { images: batch, labels };
    const resized = tf.image.resizeBilinear(batch, [imageSize, imageSize]) as tf.Tensor4D;
    batch.dispose();
    return { images: resized, labels };
  };
}
