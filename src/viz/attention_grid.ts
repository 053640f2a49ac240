/**
 * Attention maps of several nodes on the same images (thesis Fig 4.12): one row per image — the
 * image, then each node's map upsampled to the image size in a "hot" colour map (each map scaled to
 * its own maximum).
 */
import { ImageDataset } from '../data/dataset';
import { GridOptions, imageGridPng } from './image_grid';

function hot(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v));
  return [Math.min(255, 3 * t * 255), Math.max(0, Math.min(255, (3 * t - 1) * 255)), Math.max(0, Math.min(255, (3 * t - 2) * 255))];
}

/**
 * @param maps per node, L2-normalised maps [n × h·w] over the samples of `ds` (see analysis.predict)
 * @param samples which samples of `ds` to show
 */
export function attentionGridPng(ds: ImageDataset, samples: number[], maps: Float32Array[], mapShape: [number, number], options: GridOptions = {}): Uint8Array {
  const [H, W, C] = ds.shape;
  const [h, w] = mapShape;
  const tile = H * W * 3;
  const columns = 1 + maps.length;
  const out = new Uint8Array(samples.length * columns * tile);
  samples.forEach((s, row) => {
    const base = row * columns * tile;
    for (let p = 0; p < H * W; p++) for (let k = 0; k < 3; k++) out[base + p * 3 + k] = ds.images[s * H * W * C + p * C + (C === 1 ? 0 : k)];
    maps.forEach((m, node) => {
      const offset = s * h * w;
      let max = 1e-12;
      for (let i = 0; i < h * w; i++) max = Math.max(max, m[offset + i]);
      const t = base + (node + 1) * tile;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const v = m[offset + Math.min(h - 1, Math.floor((y * h) / H)) * w + Math.min(w - 1, Math.floor((x * w) / W))] / max;
          const [r, g, b] = hot(v);
          out[t + (y * W + x) * 3] = r;
          out[t + (y * W + x) * 3 + 1] = g;
          out[t + (y * W + x) * 3 + 2] = b;
        }
      }
    });
  });
  return imageGridPng(out, samples.length * columns, [H, W, 3], { columns, scale: options.scale ?? 3, padding: options.padding ?? 2 });
}
