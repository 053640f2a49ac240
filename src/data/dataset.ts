/**
 * In-memory image classification datasets: uint8 pixels NHWC plus int labels. Small enough for
 * CIFAR/MNIST-sized data (50k × 32×32×3 = 150 MB) and cheap to split and batch.
 */
export interface ImageDataset {
  name: string;
  /** NHWC uint8 pixels */
  images: Uint8Array;
  labels: Int32Array;
  shape: [number, number, number];
  classes: string[];
}

export function count(ds: ImageDataset): number {
  return ds.labels.length;
}

/** A new dataset holding the samples at `indices`, in that order (no shuffling; for a fair sample use stratifiedSubset). */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name = ds.name): ImageDataset {
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(ds.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = ds.labels[j];
  }
  return { ...ds, name, images, labels };
}

export function validateDataset(ds: ImageDataset): void {
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  if (ds.images.length !== ds.labels.length * size) {
    throw new Error(`dataset ${ds.name}: ${ds.images.length} pixel bytes do not match ${ds.labels.length} samples of ${ds.shape.join('×')}`);
  }
  for (const l of ds.labels) {
    if (l < 0 || l >= ds.classes.length) throw new Error(`dataset ${ds.name}: label ${l} outside 0..${ds.classes.length - 1}`);
  }
}

const fingerprints = new WeakMap<ImageDataset, string>();

/**
 * A content hash of a dataset (all labels, a strided sample of the pixels, shape and size): equal
 * for the same samples in the same order, different for another subset. Cached per object.
 */
export function fingerprint(ds: ImageDataset): string {
  const hit = fingerprints.get(ds);
  if (hit) return hit;
  let h = 0x811c9dc5;
  const mix = (byte: number) => (h = Math.imul(h ^ byte, 0x01000193) >>> 0);
  for (const l of ds.labels) mix(l & 0xff);
  const stride = Math.max(1, Math.floor(ds.images.length / 200_000));
  for (let i = 0; i < ds.images.length; i += stride) mix(ds.images[i]);
  const value = `${ds.labels.length}-${ds.shape.join('x')}-${h.toString(16).padStart(8, '0')}`;
  fingerprints.set(ds, value);
  return value;
}
