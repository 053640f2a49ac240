/**
 * Augmentations on uint8 HWC images (in place on a copy): random crop after zero padding, horizontal
 * flip, and RandAugment (N random ops of magnitude M out of 14, as in FixMatch's strong view).
 */
import { Rng } from './random';

export type Shape = [number, number, number];

/** pad by `pad` pixels with zeros, then crop back at a random offset */
export function padCrop(img: Uint8Array, [h, w, c]: Shape, pad: number, rng: Rng): Uint8Array {
  const dy = rng.int(2 * pad + 1) - pad;
  const dx = rng.int(2 * pad + 1) - pad;
  return translate(img, [h, w, c], dx, dy);
}

function translate(img: Uint8Array, [h, w, c]: Shape, dx: number, dy: number, fill = 0): Uint8Array {
  const out = new Uint8Array(img.length).fill(fill);
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx = x + dx;
      if (sx < 0 || sx >= w) continue;
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = img[(sy * w + sx) * c + k];
    }
  }
  return out;
}

export function flipHorizontal(img: Uint8Array, [h, w, c]: Shape): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = img[(y * w + (w - 1 - x)) * c + k];
  return out;
}

/** affine resampling (nearest) of output (x, y) from source (a·x + b·y + e, c·x + d·y + f), centred */
function affine(img: Uint8Array, [h, w, ch]: Shape, m: [number, number, number, number], fill = 128): Uint8Array {
  const out = new Uint8Array(img.length).fill(fill);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = Math.round(m[0] * (x - cx) + m[1] * (y - cy) + cx);
      const sy = Math.round(m[2] * (x - cx) + m[3] * (y - cy) + cy);
      if (sx < 0 || sx >= w || sy < 0 || sy >= h) continue;
      for (let k = 0; k < ch; k++) out[(y * w + x) * ch + k] = img[(sy * w + sx) * ch + k];
    }
  }
  return out;
}

function mapPixels(img: Uint8Array, f: (v: number) => number): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(f(img[i]))));
  return out;
}

function mean(img: Uint8Array): number {
  let s = 0;
  for (const v of img) s += v;
  return s / img.length;
}

/** blend with a degenerate image: factor 0 → degenerate, 1 → original */
function blend(img: Uint8Array, degenerate: Uint8Array, factor: number): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(degenerate[i] + factor * (img[i] - degenerate[i]))));
  return out;
}

function grey(img: Uint8Array, [h, w, c]: Shape): Uint8Array {
  if (c === 1) return img.slice();
  const out = new Uint8Array(img.length);
  for (let p = 0; p < h * w; p++) {
    const g = 0.299 * img[p * 3] + 0.587 * img[p * 3 + 1] + 0.114 * img[p * 3 + 2];
    out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = g;
  }
  return out;
}

type Op = (img: Uint8Array, shape: Shape, level: number, rng: Rng) => Uint8Array;
const signed = (v: number, rng: Rng) => (rng.next() < 0.5 ? -v : v);

/** RandAugment operations; `level` ∈ [0, 1] scales each op's magnitude */
export const randAugmentOps: Record<string, Op> = {
  identity: (img) => img.slice(),
  autoContrast: (img) => {
    let lo = 255;
    let hi = 0;
    for (const v of img) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return hi > lo ? mapPixels(img, (v) => ((v - lo) * 255) / (hi - lo)) : img.slice();
  },
  brightness: (img, _s, l, rng) => blend(img, new Uint8Array(img.length), 1 + signed(0.9 * l, rng)),
  color: (img, s, l, rng) => blend(img, grey(img, s), 1 + signed(0.9 * l, rng)),
  contrast: (img, _s, l, rng) => blend(img, new Uint8Array(img.length).fill(mean(img)), 1 + signed(0.9 * l, rng)),
  equalize: (img) => {
    const hist = new Array<number>(256).fill(0);
    for (const v of img) hist[v]++;
    const cdf: number[] = [];
    let acc = 0;
    for (const n of hist) cdf.push((acc += n));
    const min = cdf.find((v) => v > 0) ?? 0;
    return min === img.length ? img.slice() : mapPixels(img, (v) => ((cdf[v] - min) * 255) / (img.length - min));
  },
  posterize: (img, _s, l) => {
    const bits = 8 - Math.round(4 * l);
    const mask = (0xff << (8 - bits)) & 0xff;
    return mapPixels(img, (v) => v & mask);
  },
  rotate: (img, s, l, rng) => {
    const a = (signed(30 * l, rng) * Math.PI) / 180;
    return affine(img, s, [Math.cos(a), Math.sin(a), -Math.sin(a), Math.cos(a)]);
  },
  sharpness: (img, s, l, rng) => {
    const [h, w, c] = s;
    const smooth = img.slice();
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) for (let k = 0; k < c; k++) {
      let acc = 4 * img[(y * w + x) * c + k];
      for (const [dy, dx] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) acc += img[((y + dy) * w + x + dx) * c + k];
      for (const [dy, dx] of [[-1, -1], [1, 1], [1, -1], [-1, 1]]) acc += img[((y + dy) * w + x + dx) * c + k];
      smooth[(y * w + x) * c + k] = acc / 12;
    }
    return blend(img, smooth, 1 + signed(0.9 * l, rng));
  },
  shearX: (img, s, l, rng) => affine(img, s, [1, signed(0.3 * l, rng), 0, 1]),
  shearY: (img, s, l, rng) => affine(img, s, [1, 0, signed(0.3 * l, rng), 1]),
  solarize: (img, _s, l) => mapPixels(img, (v) => (v >= 256 - 256 * l ? 255 - v : v)),
  translateX: (img, s, l, rng) => translate(img, s, Math.round(signed(0.3 * l * s[1], rng)), 0, 128),
  translateY: (img, s, l, rng) => translate(img, s, 0, Math.round(signed(0.3 * l * s[0], rng)), 128),
};

/** RandAugment with `n` ops of random level in [0, magnitude/10] (FixMatch's RA variant), then Cutout */
export function randAugment(img: Uint8Array, shape: Shape, rng: Rng, n = 2, magnitude = 10, cutout = 0.5): Uint8Array {
  const names = Object.keys(randAugmentOps);
  let out = img;
  for (let i = 0; i < n; i++) out = randAugmentOps[names[rng.int(names.length)]](out, shape, (rng.next() * magnitude) / 10, rng);
  if (cutout > 0) {
    const [h, w, c] = shape;
    const size = Math.max(1, Math.round(cutout * rng.next() * Math.min(h, w)));
    const y0 = rng.int(h) - (size >> 1);
    const x0 = rng.int(w) - (size >> 1);
    out = out === img ? img.slice() : out;
    for (let y = Math.max(0, y0); y < Math.min(h, y0 + size); y++) for (let x = Math.max(0, x0); x < Math.min(w, x0 + size); x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = 127;
  }
  return out;
}

export type Augmentation = 'none' | 'weak' | 'strong';

/** weak = flip + pad-4 crop; strong = weak + RandAugment (FixMatch). Flips only for RGB images. */
export function augment(img: Uint8Array, shape: Shape, kind: Augmentation, rng: Rng): Uint8Array {
  if (kind === 'none') return img;
  let out = shape[2] === 3 && rng.next() < 0.5 ? flipHorizontal(img, shape) : img;
  out = padCrop(out, shape, shape[0] >= 32 ? 4 : 2, rng);
  return kind === 'strong' ? randAugment(out, shape, rng) : out;
}
