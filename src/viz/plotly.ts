/**
 * Plotly figures from the kernel. The figure goes out as application/vnd.plotly.v1+json (rendered
 * natively by JupyterLab) and as HTML that draws it with plotly.js loaded from the local
 * plotly.js-dist-min package, embedded once per notebook (no CDN, works offline).
 */
import * as fs from 'fs';

export interface PlotlyFigure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
}

let embedded = false;
let counter = 0;

function plotlyScript(): string {
  const file = require.resolve('plotly.js-dist-min');
  // hide AMD's define so that the bundle sets window.Plotly in classic Notebook too
  return `<script type="text/javascript">(function(){var define=undefined;${fs.readFileSync(file, 'utf8')}\n}).call(window);</script>`;
}

/** HTML that draws the figure (includes plotly.js on first use in this kernel) */
export function plotlyHtml(figure: PlotlyFigure): string {
  const id = `ktg-plot-${Date.now().toString(36)}-${counter++}`;
  const head = embedded ? '' : plotlyScript();
  embedded = true;
  const json = JSON.stringify({ data: figure.data, layout: figure.layout ?? {} }).replace(/</g, '\\u003c');
  return `${head}<div id="${id}" style="width:100%;min-height:420px"></div><script type="text/javascript">(function(){var f=${json};window.Plotly.newPlot("${id}",f.data,f.layout,{responsive:true});})();</script>`;
}

interface TslabDisplay {
  html(s: string): void;
  raw(contentType: string, content: string): void;
}

function tslabDisplay(): TslabDisplay {
  // tslab is only importable inside the kernel
  return (require('tslab') as { display: TslabDisplay }).display;
}

/** Shows a figure in a tslab notebook. */
export function showPlot(figure: PlotlyFigure): void {
  const display = tslabDisplay();
  display.raw('application/vnd.plotly.v1+json', JSON.stringify({ data: figure.data, layout: figure.layout ?? {} }));
  display.html(plotlyHtml(figure));
}
