/**
 * Smaller static pictures for committed notebooks: a rendered figure or diagram re-encoded as a PNG
 * with a palette of at most 256 colours (upng-js quantizes). Plots and diagrams have a handful of
 * colours plus their anti-aliasing, so the picture looks the same at about a third of the bytes —
 * which is what lets them be stored at 2× device pixels (sharp on high-DPI screens) within a
 * notebook's size budget. Quantizing takes ~0.3 s a picture, so it is done when a notebook is
 * committed (`npm run notebooks -- --commit`), not while a cell draws.
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

interface NotebookOutput {
  output_type?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v));

/**
 * Gives every static picture of an executed notebook (nbformat JSON) the palette: each figure's PNG
 * inside its HTML output and each diagram's PNG (an image/png output with its CSS size in the
 * metadata; image grids of samples are left as they are). Returns how many pictures changed.
 */
export function paletteNotebookPictures(notebook: { cells: Array<{ outputs?: NotebookOutput[] }> }): number {
  let changed = 0;
  for (const cell of notebook.cells)
    for (const o of cell.outputs ?? []) {
      const data = o.data;
      if (!data) continue;
      if (data['image/png'] !== undefined && (o.metadata?.['image/png'] as { width?: number } | undefined)?.width) {
        const before = joined(data['image/png']).replace(/\n/g, '');
        const after = palettePng(Buffer.from(before, 'base64')).toString('base64');
        if (after !== before) {
          data['image/png'] = after;
          changed++;
        }
      }
      if (data['text/html'] !== undefined) {
        const html = joined(data['text/html']);
        if (!/class="ktg-plot"/.test(html)) continue;
        const next = html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, (url) => paletteDataUrl(url));
        if (next !== html) {
          data['text/html'] = next.split(/(?<=\n)/);
          changed++;
        }
      }
    }
  return changed;
}
