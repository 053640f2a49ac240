/**
 * Smaller static pictures: a rendered figure or diagram re-encoded as a PNG with a palette of at
 * most 256 colours (upng-js quantizes). Plots and diagrams have a handful of colours plus their
 * anti-aliasing, so the picture looks the same at about a third of the bytes — which is what lets
 * them be stored at 2× device pixels (sharp on high-DPI screens) within a notebook's size budget.
 */
import * as UPNG from 'upng-js';

/** the PNG with a palette of at most `colours` colours, or the PNG itself when that is not smaller */
export function palettePng(png: Buffer, colours = 256): Buffer {
  const image = UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
  const [rgba] = UPNG.toRGBA8(image);
  const out = Buffer.from(UPNG.encode([rgba], image.width, image.height, colours));
  return out.length < png.length ? out : png;
}

const PREFIX = 'data:image/png;base64,';

/** the same for a PNG data URL (anything else is returned as it is) */
export function paletteDataUrl(url: string, colours = 256): string {
  if (!url.startsWith(PREFIX)) return url;
  return PREFIX + palettePng(Buffer.from(url.slice(PREFIX.length), 'base64'), colours).toString('base64');
}
