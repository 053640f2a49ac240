/**
 * Image folders `<split>/<class>/*.jpg|png`, either a directory or a tar / tar.gz archive (as the
 * CIFAR-10 JPEG copy, Stanford Dogs or CUB come). Images are decoded (jpeg-js, pngjs), resized to
 * the target size by bilinear sampling when needed, and stored as RGB or grey NHWC uint8.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { readTarEntries } from './tar_archive';
import { ImageDataset } from './dataset';

export interface ImageFolderOptions {
  /** target [height, width, channels]; images of another size are resized */
  shape: [number, number, number];
  name?: string;
  /** class names in label order; default: sorted folder names */
  classes?: string[];
}

interface RawImage {
  split: string;
  className: string;
  file: string;
  bytes: Buffer;
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

/**
 * The largest image ktg decodes: 40 megapixels (e.g. 8000 × 5000), far above any dataset photo. A
 * small PNG can declare 30000 × 30000 pixels and take a minute and 5 GB to decode; its header is
 * read first and such a file is refused by name.
 */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** width and height from a PNG's IHDR chunk (bytes 16–23), or undefined when the header is not a PNG's */
function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b) || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function decode(img: RawImage): { width: number; height: number; rgba: Uint8Array } {
  const limit = `${MAX_IMAGE_PIXELS / 1e6} megapixels`;
  const size = /\.png$/i.test(img.file) ? pngSize(img.bytes) : undefined;
  if (size && size.width * size.height > MAX_IMAGE_PIXELS)
    throw new Error(`${img.file}: ${size.width} × ${size.height} pixels, more than the ${limit} ktg decodes (MAX_IMAGE_PIXELS)`);
  try {
    if (/\.png$/i.test(img.file)) {
      const png = PNG.sync.read(img.bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    // jpeg-js checks the size from the JPEG header before it allocates
    const j = jpeg.decode(img.bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
    return { width: j.width, height: j.height, rgba: j.data };
  } catch (err) {
    throw new Error(`cannot decode ${img.file}: ${(err as Error).message}`);
  }
}

/** bilinear resample of RGBA to [h, w, c] (c = 1: luminance, c = 3: RGB) */
function toPixels(src: { width: number; height: number; rgba: Uint8Array }, [h, w, c]: [number, number, number], out: Uint8Array, offset: number): void {
  const sy = src.height / h;
  const sx = src.width / w;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), src.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), src.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, src.width - 1);
      const wx = fx - x0;
      const rgb = [0, 0, 0];
      for (let k = 0; k < 3; k++) {
        const p = (yy: number, xx: number) => src.rgba[(yy * src.width + xx) * 4 + k];
        rgb[k] = (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1));
      }
      const o = offset + (y * w + x) * c;
      if (c === 1) out[o] = Math.round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
      else for (let k = 0; k < 3; k++) out[o + k] = Math.round(rgb[k]);
    }
  }
}

/** path parts → (split, class) for `.../<split>/<class>/<file>` */
function classify(entry: string): { split: string; className: string } | undefined {
  const parts = entry.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length < 3 || !IMAGE_FILE.test(parts[parts.length - 1])) return undefined;
  return { split: parts[parts.length - 3], className: parts[parts.length - 2] };
}

async function readTar(file: string, wanted: (split: string) => boolean): Promise<RawImage[]> {
  const entries = await readTarEntries(file, (name) => {
    const where = classify(name);
    return where != null && wanted(where.split);
  });
  return entries.map(({ name, bytes }) => ({ ...classify(name)!, file: name, bytes }));
}

function readDirectory(root: string, wanted: (split: string) => boolean): RawImage[] {
  const images: RawImage[] = [];
  for (const split of fs.readdirSync(root).filter(wanted)) {
    const splitDir = path.join(root, split);
    if (!fs.statSync(splitDir).isDirectory()) continue;
    for (const className of fs.readdirSync(splitDir)) {
      const classDir = path.join(splitDir, className);
      if (!fs.statSync(classDir).isDirectory()) continue;
      for (const f of fs.readdirSync(classDir).filter((x) => IMAGE_FILE.test(x))) {
        images.push({ split, className, file: path.join(classDir, f), bytes: fs.readFileSync(path.join(classDir, f)) });
      }
    }
  }
  return images;
}

/** Loads the requested splits of an image folder or archive; samples are ordered by (class, file). */
export async function loadImageFolder(source: string, splits: string[], options: ImageFolderOptions): Promise<Record<string, ImageDataset>> {
  if (!fs.existsSync(source)) throw new Error(`image folder ${source} does not exist`);
  const wanted = (s: string) => splits.includes(s);
  const raw = fs.statSync(source).isDirectory() ? readDirectory(source, wanted) : await readTar(source, wanted);
  const classes = options.classes ?? [...new Set(raw.map((r) => r.className))].sort();
  const [h, w, c] = options.shape;
  const result: Record<string, ImageDataset> = {};
  for (const split of splits) {
    const items = raw.filter((r) => r.split === split).sort((a, b) => a.className.localeCompare(b.className) || a.file.localeCompare(b.file));
    if (items.length === 0) throw new Error(`${source}: no images under ${split}/<class>/`);
    const images = new Uint8Array(items.length * h * w * c);
    const labels = new Int32Array(items.length);
    items.forEach((item, i) => {
      const label = classes.indexOf(item.className);
      if (label < 0) throw new Error(`${item.file}: class ${item.className} is not among ${classes.join(', ')}`);
      labels[i] = label;
      toPixels(decode(item), options.shape, images, i * h * w * c);
    });
    result[split] = { name: `${options.name ?? path.basename(source)}/${split}`, images, labels, shape: options.shape, classes };
  }
  return result;
}
