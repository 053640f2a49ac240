/** Image grids as PNG bytes (pngjs), for datasets and generated samples. */
import { PNG } from 'pngjs';
import { ImageDataset } from '../data/dataset';

export interface GridOptions {
  columns?: number;
  /** integer upscaling of each pixel */
  scale?: number;
  padding?: number;
}

/** PNG of `images` (uint8 NHWC, 1 or 3 channels) laid out in a grid */
export function imageGridPng(images: Uint8Array, count: number, [h, w, c]: [number, number, number], options: GridOptions = {}): Uint8Array {
  const columns = Math.min(options.columns ?? 10, count);
  const rows = Math.ceil(count / columns);
  const s = options.scale ?? 2;
  const pad = options.padding ?? 2;
  const width = columns * (w * s + pad) + pad;
  const height = rows * (h * s + pad) + pad;
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (let i = 0; i < count; i++) {
    const ox = pad + (i % columns) * (w * s + pad);
    const oy = pad + Math.floor(i / columns) * (h * s + pad);
    for (let y = 0; y < h * s; y++) {
      for (let x = 0; x < w * s; x++) {
        const src = (i * h * w + Math.floor(y / s) * w + Math.floor(x / s)) * c;
        const dst = ((oy + y) * width + ox + x) * 4;
        for (let k = 0; k < 3; k++) png.data[dst + k] = images[src + (c === 1 ? 0 : k)];
        png.data[dst + 3] = 255;
      }
    }
  }
  // grey images as 8-bit greyscale, colour ones as RGB: a quarter / three quarters of RGBA's bytes
  return PNG.sync.write(png, { colorType: c === 1 ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
}

/** the first `perClass` samples of each class, one row per class */
export function datasetGridPng(ds: ImageDataset, perClass = 8, options: GridOptions = {}): Uint8Array {
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const picked: number[] = [];
  ds.classes.forEach((_, cls) => {
    let taken = 0;
    for (let i = 0; i < ds.labels.length && taken < perClass; i++) {
      if (ds.labels[i] === cls) {
        picked.push(i);
        taken++;
      }
    }
  });
  const images = new Uint8Array(picked.length * size);
  picked.forEach((j, i) => images.set(ds.images.subarray(j * size, (j + 1) * size), i * size));
  return imageGridPng(images, picked.length, ds.shape, { columns: perClass, ...options });
}
