/**
 * One-off migration of committed notebook outputs to forms every viewer shows (#33), without
 * re-executing anything: each `image/svg+xml` output (a Graphviz diagram) becomes the 2× PNG
 * `ktg.viz.showDiagram` now sends, drawn from that same SVG; each `text/markdown` output becomes the
 * HTML + text/plain `ktg.viz.showMarkdown` now sends, from that same markdown; each figure's embedded
 * Plotly JSON is stored with numbers at 5 significant digits (what a plot or its hover shows) and
 * gains the Plotly mime bundle `showPlot` now adds. Numbers and pictures are the run's own; only
 * their carrier changes. Usage: tsx scripts/convert_outputs.ts [--pictures] NOTEBOOK…
 */
import * as fs from 'fs';
import { diagramBundle, markdownBundle } from '../src/viz/display';
import { compactNumbers, plotlyMimeFigure, PlotlyFigure } from '../src/viz/plotly';
import { paletteNotebookPictures } from '../src/viz/png_palette';
import { renderStaticPng } from '../src/viz/static_render';

interface Output {
  output_type: string;
  data?: Record<string, string | string[] | object>;
  metadata?: Record<string, unknown>;
}

const text = (v: string | string[] | object): string => (Array.isArray(v) ? v.join('') : String(v));
/** nbformat stores multi-line strings as lists of lines */
const lines = (s: string): string[] => s.split(/(?<=\n)/);

/**
 * `--pictures`: a figure's static image is drawn again from the figure JSON its output embeds (the
 * run's own numbers) at 2× device pixels, as `showPlot` now draws it; then every figure and diagram
 * picture gets the 256-colour palette committed notebooks carry.
 */
function repicture(o: Output): boolean {
  const data = o.data ?? {};
  const html = data['text/html'] !== undefined ? text(data['text/html']) : '';
  const figure = /class="ktg-plot"/.test(html) ? /, fig = (\{.*\});\n/.exec(html) : null;
  const img = /<img src="(data:image\/png;base64,[^"]+)" width="(\d+)" height="(\d+)"/.exec(html);
  if (!figure || !img) return false;
  const png = renderStaticPng(JSON.parse(figure[1]) as PlotlyFigure, { width: Number(img[2]), height: Number(img[3]) });
  if (!png) throw new Error('no PNG could be made (Chromium missing?)');
  o.data = { ...data, 'text/html': lines(html.replace(img[1], () => png)) };
  return true;
}

function convert(o: Output): boolean {
  if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') return false;
  if (pictures) return repicture(o);
  const data = o.data ?? {};
  if (data['image/svg+xml'] !== undefined) {
    const svg = text(data['image/svg+xml']);
    const title = /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? 'diagram';
    const { bundle, metadata } = diagramBundle(svg, title);
    if (!bundle['image/png']) throw new Error('no PNG could be made (Chromium missing?)');
    o.data = { 'image/png': bundle['image/png'], 'text/plain': lines(bundle['text/plain']) };
    o.metadata = metadata;
    return true;
  }
  const html = data['text/html'] !== undefined ? text(data['text/html']) : '';
  const figure = /class="ktg-plot"/.test(html) ? /, fig = (\{.*\});\n/.exec(html) : null;
  if (figure && data['application/vnd.plotly.v1+json'] === undefined) {
    const fig = JSON.parse(figure[1]) as PlotlyFigure;
    const compact = JSON.stringify(fig, compactNumbers).replace(/</g, '\\u003c');
    o.data = {
      'text/html': lines(html.replace(figure[1], () => compact)),
      'application/vnd.plotly.v1+json': plotlyMimeFigure(fig) as unknown as string,
      'text/plain': data['text/plain'] ?? '[figure]',
    };
    return true;
  }
  if (data['text/markdown'] !== undefined && data['text/html'] === undefined) {
    const b = markdownBundle(text(data['text/markdown']));
    o.data = { 'text/html': lines(b['text/html']), 'text/plain': lines(b['text/plain']) };
    return true;
  }
  return false;
}

const args = process.argv.slice(2);
const pictures = args.includes('--pictures');
for (const file of args.filter((a) => a !== '--pictures')) {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
  let n = 0;
  for (const cell of nb.cells) for (const o of cell.outputs ?? []) if (convert(o)) n++;
  if (pictures) n += paletteNotebookPictures(nb);
  fs.writeFileSync(file, `${JSON.stringify(nb, null, 1)}\n`);
  console.log(`${file}: ${n} output(s) converted`);
}
process.exit(0);
