/**
 * Outputs every notebook viewer shows. Classic Notebook 6 drops `image/svg+xml` and `text/markdown`
 * outputs of an untrusted notebook (every fresh clone) without a trace, and nbconvert 6.5 strips the
 * drawing elements of SVG; so diagrams go out as a PNG at 2× device pixels (with their CSS size in
 * the output's metadata, sharp on high-DPI screens) and markdown (tables, claims) as HTML, which
 * untrusted notebooks sanitise but show, with the source as text/plain for terminals.
 */
import { marked } from 'marked';
import { renderDot } from './graphviz';
import { renderSvgPng } from './static_render';

/** an output's data by mime type: text, or JSON for `application/…+json` types */
export type MimeBundle = Record<string, string | object>;

type WriteDisplayData = (data: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** sends a multi-format output (tslab's public display API sends one format per output) */
export function displayBundle(bundle: MimeBundle, metadata: Record<string, unknown> = {}): void {
  let write: WriteDisplayData | null = null;
  try {
    write = (require('tslab/dist/jupyter') as { lastWriteDisplayData: WriteDisplayData | null }).lastWriteDisplayData;
  } catch {
    write = null;
  }
  if (write) {
    write({ data: bundle, metadata, transient: {} }, false);
    return;
  }
  // outside a kernel (a script): print the plain-text form
  console.log(bundle['text/plain'] ?? Object.values(bundle)[0]);
}

/** the output of a diagram: a 2× PNG with its CSS size, or the SVG itself when no PNG can be made here */
export function diagramBundle(svg: string, title = 'diagram'): { bundle: Record<string, string>; metadata: Record<string, unknown> } {
  const png = renderSvgPng(svg);
  if (!png) return { bundle: { 'image/svg+xml': svg, 'text/plain': `[${title}]` }, metadata: {} };
  return {
    bundle: { 'image/png': png.url.replace(/^data:image\/png;base64,/, ''), 'text/plain': `[${title}]` },
    metadata: { 'image/png': { width: Math.round(png.width), height: Math.round(png.height) } },
  };
}

/** Shows a Graphviz diagram (DOT source, or an SVG from `renderDot`) in every viewer. */
export async function showDiagram(dotOrSvg: string, options: { title?: string } = {}): Promise<void> {
  const svg = /^\s*<svg[\s>]/.test(dotOrSvg) ? dotOrSvg : await renderDot(dotOrSvg);
  const title = options.title ?? /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? 'diagram';
  const { bundle, metadata } = diagramBundle(svg, title);
  displayBundle(bundle, metadata);
}

/** markdown (tables, notes) as HTML, with the markdown as text/plain */
export function markdownBundle(markdown: string): Record<string, string> {
  return { 'text/html': marked.parse(markdown, { async: false, gfm: true }), 'text/plain': markdown };
}

/** Shows markdown (e.g. `markdownTable(…)`, `ledger.markdown()`) in every viewer, untrusted ones included. */
export function showMarkdown(markdown: string): void {
  displayBundle(markdownBundle(markdown));
}
