/**
 * Plotly figures from the kernel, visible wherever the notebook is opened. `showPlot` sends one
 * output holding
 *  - HTML: a static PNG of the figure (rendered by plotly.js in headless Chromium, see
 *    static_render.ts) inside a div, and a small script that, where scripts run, loads plotly.js and
 *    replaces the picture with the interactive figure. Each output loads plotly.js itself if the page
 *    has none yet — from `notebooks/vendor/` through the Jupyter server, via RequireJS in the classic
 *    Notebook — so figures survive page reloads, new tabs and re-execution, and no notebook carries
 *    the 4.6 MB library;
 *  - `application/vnd.plotly.v1+json` (long traces thinned), which JupyterLab's Plotly renderer and
 *    VS Code draw natively; the classic Notebook ignores it and shows the HTML;
 *  - text/plain, the title.
 * Untrusted notebooks (Jupyter sanitises their HTML but keeps the image), GitHub and nbconvert HTML
 * without scripts show the static image. The picture is not repeated as a separate image/png, which
 * would double each figure's bytes in the notebook file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { displayBundle, MimeBundle } from './display';
import { renderStaticPng, vendorPlotlyFile } from './static_render';

export interface PlotlyFigure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
}

/** default size of a figure (layout.width / layout.height override it) */
export const FIGURE_WIDTH = 760;
export const FIGURE_HEIGHT = 440;

let counter = 0;

function titleOf(figure: PlotlyFigure): string {
  const t = figure.layout?.title;
  const text = typeof t === 'string' ? t : typeof t === 'object' && t != null ? String((t as { text?: unknown }).text ?? '') : '';
  return text.replace(/<[^>]*>/g, '') || 'figure';
}

function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function plotlyVersion(): string {
  return (require('plotly.js-dist-min/package.json') as { version: string }).version;
}

/** the script that swaps the static image for the interactive figure (loading plotly.js if needed) */
function loaderScript(id: string, figure: PlotlyFigure, height: number): string {
  const json = JSON.stringify({ data: figure.data, layout: { ...(figure.layout ?? {}), autosize: true } }, compactNumbers).replace(/</g, '\\u003c');
  return `<script type="text/javascript">(function () {
var id = ${JSON.stringify(id)}, fig = ${json};
function draw() { var el = document.getElementById(id); if (!el || !window.Plotly) return; el.innerHTML = ''; el.style.height = '${height}px'; window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true }); }
if (window.Plotly) { draw(); return; }
var q = window.__ktgPlotly = window.__ktgPlotly || { waiting: [] };
q.waiting.push(draw);
if (q.loading) return;
// classic Notebook pages carry the server's base URL and the notebook's path (URL-encoded)
var body = document.body, base = body && body.getAttribute('data-base-url'), nb = body && body.getAttribute('data-notebook-path');
if (base == null || nb == null) return;
var dir = nb.lastIndexOf('/') >= 0 ? nb.slice(0, nb.lastIndexOf('/') + 1) : '';
var url = base + 'files/' + dir + 'vendor/plotly-${plotlyVersion()}.min.js';
q.loading = true;
function done(P) { if (P && !window.Plotly) window.Plotly = P; q.loading = false; q.waiting.splice(0).forEach(function (f) { f(); }); }
function fail() { q.loading = false; q.waiting.length = 0; if (window.requirejs && window.requirejs.undef) window.requirejs.undef(url); console.warn('ktg: no plotly.js at ' + url + ' (npm run setup:system copies it there); showing the static image'); }
if (typeof window.requirejs === 'function') window.requirejs([url], done, fail);
else { var s = document.createElement('script'); s.src = url; s.onload = function () { done(); }; s.onerror = fail; document.head.appendChild(s); }
})();</script>`;
}

/** long titles wrapped onto lines that fit the figure's width (Plotly never wraps them itself) */
function wrapTitle(text: string, width: number): string[] {
  const perLine = Math.max(20, Math.floor((width - 60) / 9));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && (line + ' ' + word).length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Readable defaults: axes grow their margins to fit tick labels and titles (automargin), and a long
 * title is wrapped with room made for it, so nothing is cut at any width.
 */
export function withReadableLayout(figure: PlotlyFigure, width: number): PlotlyFigure {
  const layout: Record<string, unknown> = { ...(figure.layout ?? {}) };
  const cartesian = figure.data.some((t) => !['pie', 'sunburst', 'treemap', 'table'].includes(String(t.type ?? 'scatter')));
  const axes = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
  if (cartesian) for (const k of ['xaxis', 'yaxis']) if (!axes.includes(k)) axes.push(k);
  for (const k of axes) {
    const axis = (layout[k] ?? {}) as Record<string, unknown>;
    const title = typeof axis.title === 'string' ? { text: axis.title } : axis.title;
    layout[k] = { automargin: true, ...axis, ...(title ? { title } : {}) };
  }
  const title = titleOf(figure);
  if (title !== 'figure') {
    const lines = wrapTitle(title, width);
    const old = typeof layout.title === 'object' && layout.title != null ? (layout.title as Record<string, unknown>) : {};
    layout.title = { ...old, text: lines.join('<br>') };
    const margin = (layout.margin ?? {}) as Record<string, unknown>;
    layout.margin = { ...margin, t: Math.max(Number(margin.t ?? 0), 40 + 24 * lines.length) };
  }
  return { data: figure.data, layout };
}

/** significant digits of the numbers a notebook stores for a figure (what a plot or its hover can show) */
export const FIGURE_DIGITS = 5;

/** JSON.stringify replacer: non-integer numbers to FIGURE_DIGITS significant digits (0.11135640239269337 → 0.11136) */
export function compactNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(FIGURE_DIGITS)) : value;
}

/** points kept per figure in the Plotly mime bundle: longer traces are thinned to every k-th point */
export const MIME_POINTS_PER_FIGURE = 2000;

/**
 * The figure for `application/vnd.plotly.v1+json`: numbers at FIGURE_DIGITS digits and, beyond
 * MIME_POINTS_PER_FIGURE points in all, every trace thinned by one factor (the HTML keeps them all).
 * A notebook stores this JSON one value per line, so an unthinned scatter of thousands of points
 * would cost more than the picture.
 */
export function plotlyMimeFigure(figure: PlotlyFigure): PlotlyFigure {
  const pointsOf = (trace: Record<string, unknown>) =>
    Math.max(0, ...['x', 'y', 'z', 'text'].map((k) => (Array.isArray(trace[k]) ? (trace[k] as unknown[]).length : 0)));
  const total = figure.data.reduce((s, t) => s + pointsOf(t), 0);
  const step = Math.max(1, Math.ceil(total / MIME_POINTS_PER_FIGURE));
  const thin = (trace: Record<string, unknown>): Record<string, unknown> => {
    const n = pointsOf(trace);
    // heatmaps and other grids keep their shape; only point traces are thinned
    if (step === 1 || n < 2 * step || trace.type === 'heatmap') return trace;
    const out: Record<string, unknown> = { ...trace };
    for (const k of ['x', 'y', 'z', 'text', 'customdata'])
      if (Array.isArray(trace[k]) && (trace[k] as unknown[]).length === n) out[k] = (trace[k] as unknown[]).filter((_, i) => i % step === 0);
    return out;
  };
  return JSON.parse(JSON.stringify({ data: figure.data.map(thin), layout: figure.layout ?? {} }, compactNumbers)) as PlotlyFigure;
}

/**
 * The output bundle of a figure: HTML (static image + interactive loader for the classic Notebook),
 * the Plotly mime type (drawn natively by JupyterLab's Plotly renderer and VS Code) and plain text.
 */
export function plotlyBundle(input: PlotlyFigure): MimeBundle {
  const id = `ktg-plot-${Date.now().toString(36)}-${counter++}`;
  const width = Number(input.layout?.width ?? FIGURE_WIDTH);
  const height = Number(input.layout?.height ?? FIGURE_HEIGHT);
  const title = titleOf(input);
  const figure = withReadableLayout(input, width);
  const png = renderStaticPng(figure, { width, height });
  const picture = png
    ? `<img src="${png}" width="${width}" height="${height}" alt="${escapeAttribute(title)}" style="max-width:100%;height:auto">`
    : `<p><em>${escapeAttribute(title)}: interactive figure (run or trust the notebook to see it)</em></p>`;
  const bundle: MimeBundle = {
    'text/html': `<div id="${id}" class="ktg-plot" style="width:100%;max-width:${width}px">${picture}</div>${loaderScript(id, figure, height)}`,
    'application/vnd.plotly.v1+json': plotlyMimeFigure({ data: figure.data, layout: { ...figure.layout, width, height } }),
    'text/plain': `[figure: ${title}]`,
  };
  return bundle;
}

/** Shows a figure in a tslab notebook: interactive where scripts run, a static PNG everywhere else. */
export function showPlot(figure: PlotlyFigure): void {
  displayBundle(plotlyBundle(figure));
}

/** Copies plotly.js next to the notebooks, where figure outputs load it from (run by setup). */
export function installPlotlyForNotebooks(notebooksDir: string): string {
  const target = vendorPlotlyFile(notebooksDir);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(require.resolve('plotly.js-dist-min'), target);
  }
  return target;
}
