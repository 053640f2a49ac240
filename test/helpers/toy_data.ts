/** A tiny learnable 8×8 grey dataset for trainer tests: a bright 2×2 patch whose position is the class, on seeded noise. */
import type { ImageDataset } from '../../src/data';
import { Rng } from '../../src/data/random';

export function toyData(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = (i * 3 + seed) % 10;
    labels[i] = k;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = Math.floor(rng.next() * 60);
    const y = Math.floor(k / 5) * 4 + 1;
    const x = (k % 5) + 1;
    for (const [dy, dx] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
      images[i * 64 + (y + dy) * 8 + x + dx] = 255;
  }
  return { name: `toy${seed}`, images, labels, shape: [8, 8, 1], classes: Array.from({ length: 10 }, (_, i) => `c${i}`) };
}
