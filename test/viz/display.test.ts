/**
 * Outputs every viewer shows (#33): a diagram goes out as a PNG at 2× device pixels with its CSS size
 * in the metadata (no SVG, which untrusted Notebook 6 drops and nbconvert 6.5 blanks), drawn by the
 * real Chromium; markdown goes out as HTML (tables survive untrusted sanitising) with its source.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vanillaGraph, kdGraph } from '../../src/graph/methods';
import { graphToDot } from '../../src/graph/dot';
import { parseGraphSpec } from '../../src/graph/spec';
import { diagramBundle, markdownBundle } from '../../src/viz/display';
import { renderDot } from '../../src/viz/graphviz';
import { markdownTable } from '../../src/viz/tables';
import { MIME_POINTS_PER_FIGURE, plotlyBundle } from '../../src/viz/plotly';
import { CARTESIAN_TRACE_TYPES, renderStaticPng } from '../../src/viz/static_render';
import { paletteNotebookPictures } from '../../src/viz/png_palette';

/** width and height from a PNG's IHDR chunk */
function pngSize(base64: string): { width: number; height: number } {
  const b = Buffer.from(base64, 'base64');
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

test('a graph diagram becomes a 2x PNG with its CSS size, and no SVG', async () => {
  const spec = parseGraphSpec(kdGraph({ numClasses: 10, inputShape: [28, 28, 1], student: 'cnn8', teacher: 'cnn16', temperature: 4 }));
  const svg = await renderDot(graphToDot(spec, { title: 'KD' }));
  const { bundle, metadata } = diagramBundle(svg, 'KD');
  assert.deepEqual(Object.keys(bundle).sort(), ['image/png', 'text/plain']);
  const css = metadata['image/png'] as { width: number; height: number };
  const px = pngSize(bundle['image/png']);
  assert.ok(css.width > 50 && css.height > 50, JSON.stringify(css));
  assert.ok(Math.abs(px.width - 2 * css.width) <= 2 && Math.abs(px.height - 2 * css.height) <= 2, `${JSON.stringify(px)} vs 2 × ${JSON.stringify(css)}`);
  // not a blank canvas: the PNG of a drawing is larger than that of a white rectangle of its size
  const blank = diagramBundle(`<svg xmlns="http://www.w3.org/2000/svg" width="${css.width}pt" height="${css.height}pt"></svg>`).bundle['image/png'];
  assert.ok(bundle['image/png'].length > 3 * blank.length, `${bundle['image/png'].length} vs blank ${blank.length}`);
  const other = diagramBundle(await renderDot(graphToDot(parseGraphSpec(vanillaGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn8' })))));
  assert.notEqual(other.bundle['image/png'], bundle['image/png']);
});

test('markdown tables become HTML tables, with the markdown kept as text/plain', () => {
  const md = markdownTable(
    ['method', 'accuracy (%)'],
    [
      ['vanilla', 52.345],
      ['KD', 55.1],
    ],
    { title: 'Table 3.2 analogue' },
  );
  const bundle = markdownBundle(md);
  assert.equal(bundle['text/plain'], md);
  assert.match(bundle['text/html'], /<table>[\s\S]*<th>method<\/th>[\s\S]*<td>vanilla<\/td>[\s\S]*<\/table>/);
  assert.match(bundle['text/html'], /Table 3\.2 analogue/);
});

test('a figure carries the Plotly mime bundle beside the HTML; long traces are thinned there only; Plotly draws it from the JSON', () => {
  const n = 10_000;
  const figure = {
    data: [
      { type: 'scatter', mode: 'lines', x: Array.from({ length: n }, (_, i) => i), y: Array.from({ length: n }, (_, i) => Math.sin(i / 100)) },
      { type: 'bar', x: ['a', 'b'], y: [1, 2] },
    ],
    layout: { title: 'a long trace' },
  };
  const bundle = plotlyBundle(figure);
  assert.deepEqual(Object.keys(bundle).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
  const mime = bundle['application/vnd.plotly.v1+json'] as { data: Array<{ x: number[]; y: number[] }>; layout: Record<string, unknown> };
  assert.ok(mime.data[0].x.length <= MIME_POINTS_PER_FIGURE && mime.data[0].x.length >= MIME_POINTS_PER_FIGURE / 2, String(mime.data[0].x.length));
  assert.equal(mime.data[0].x.length, mime.data[0].y.length);
  assert.deepEqual(mime.data[1], figure.data[1], 'short traces unchanged');
  assert.match(String(bundle['text/html']), new RegExp(`"x":\\[0,1,2,[^\\]]*,${n - 1}\\]`), 'the HTML figure keeps every point');
  assert.ok(JSON.stringify(mime).length < JSON.stringify(figure).length / 3);
  const png = renderStaticPng(mime, { width: 600, height: 400 });
  assert.match(png ?? '', /^data:image\/png;base64,/, 'plotly.js draws the mime figure');
});

test("a figure's static PNG has 2x device pixels for its CSS size; committed, it and diagrams get a palette of at most 256 colours and fewer bytes", async () => {
  const figure = {
    data: [0, 1, 2].map((k) => ({ type: 'scatter', mode: 'lines+markers', name: `run ${k}`, x: [1, 2, 3, 4, 5], y: [1, 3, 2, 4, 3].map((v) => v + k) })),
    layout: { title: 'three runs', width: 500, height: 300 },
  };
  const html = String(plotlyBundle(figure)['text/html']);
  assert.match(html, /<img src="data:image\/png;base64,[^"]+" width="500" height="300"/, 'the picture is shown at its CSS size');
  const pictureOf = (h: string) => Buffer.from(/data:image\/png;base64,([^"]+)"/.exec(h)![1], 'base64');
  const drawn = pictureOf(html);
  assert.deepEqual(pngSize(drawn.toString('base64')), { width: 1000, height: 600 });
  const diagram = diagramBundle(await renderDot(graphToDot(parseGraphSpec(vanillaGraph({ numClasses: 10, inputShape: [28, 28, 1], model: 'cnn8' })))));
  type Out = { output_type: string; data: Record<string, unknown>; metadata?: Record<string, unknown> };
  const outputs: Out[] = [
    { output_type: 'display_data', data: { 'text/html': html.split(/(?<=\n)/), 'text/plain': '[figure]' } },
    { output_type: 'display_data', data: { ...diagram.bundle }, metadata: diagram.metadata },
    // an image grid (no CSS size in its metadata) stays as it is
    { output_type: 'display_data', data: { 'image/png': diagram.bundle['image/png'] }, metadata: {} },
  ];
  assert.equal(paletteNotebookPictures({ cells: [{ outputs }] }), 2);
  const [plot, diag, grid] = outputs;
  const committed = pictureOf((plot.data['text/html'] as string[]).join(''));
  const pairs: Array<[Buffer, Buffer]> = [
    [committed, drawn],
    [Buffer.from(String(diag.data['image/png']), 'base64'), Buffer.from(diagram.bundle['image/png'], 'base64')],
  ];
  for (const [png, before] of pairs) {
    assert.deepEqual(pngSize(png.toString('base64')), pngSize(before.toString('base64')), 'same pixels');
    assert.equal(png[25], 3, 'IHDR colour type 3: indexed (palette)');
    const plte = png.indexOf(Buffer.from('PLTE'));
    const colours = png.readUInt32BE(plte - 4) / 3;
    assert.ok(colours >= 4 && colours <= 256, `${colours} palette entries`);
    assert.ok(png.length < before.length, `${png.length} bytes vs ${before.length}`);
  }
  assert.equal(grid.data['image/png'], diagram.bundle['image/png']);
});

test('the static renderer starts with the cartesian plotly.js bundle and loads the full one for another trace type', () => {
  // a polar scatter is outside the cartesian bundle, which would draw it as a plain scatter without
  // x and y (empty axes): drawn right, it differs from that
  const size = { width: 400, height: 300 };
  const polar = { type: 'scatterpolar', mode: 'markers', r: [1, 2, 3], theta: [0, 90, 180] };
  const drawn = renderStaticPng({ data: [polar], layout: { title: 'a' } }, size);
  const asCartesian = renderStaticPng({ data: [{ ...polar, type: 'scatter' }], layout: { title: 'a' } }, size);
  assert.match(drawn ?? '', /^data:image\/png;base64,/);
  assert.deepEqual(pngSize(drawn!.split(',')[1]), { width: 800, height: 600 });
  assert.match(asCartesian ?? '', /^data:image\/png;base64,/);
  assert.notEqual(drawn, asCartesian, 'the polar scatter is drawn as one');
  // every trace type ktg itself draws is in the cartesian bundle
  for (const type of ['scatter', 'bar', 'box', 'heatmap', 'histogram', 'image']) assert.ok(CARTESIAN_TRACE_TYPES.includes(type), type);
  assert.match(renderStaticPng({ data: [{ type: 'box', y: [1, 2, 3, 9] }] }, { width: 200, height: 150 }) ?? '', /^data:image\/png;base64,/);
});

test("plotly.js's own text is decoded as UTF-8: a negative tick is drawn with its minus sign, not as mojibake", () => {
  // plotly.js writes the minus of negative ticks as U+2212 from its bundle's source; a page that
  // decodes the bundle in another charset draws "âˆ’1" instead. The same label given as text must
  // give the same picture.
  const size = { width: 240, height: 160 };
  const figure = (ticktext?: string[]) => ({
    data: [{ type: 'scatter', x: [0, 1], y: [-1, -1] }],
    layout: { xaxis: { visible: false }, yaxis: { range: [-2, 0], tickvals: [-1], ...(ticktext ? { ticktext } : {}) }, margin: { l: 60, r: 10, t: 10, b: 10 } },
  });
  const formatted = renderStaticPng(figure(), size);
  assert.match(formatted ?? '', /^data:image\/png;base64,/);
  assert.equal(formatted, renderStaticPng(figure(['\u22121']), size), 'the formatted tick differs from "−1"');
  assert.notEqual(formatted, renderStaticPng(figure(['-1']), size), 'a hyphen-minus label draws differently (the comparison can fail)');
});
