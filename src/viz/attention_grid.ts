/**
 * Attention maps of several nodes on the same images (thesis Fig 4.12): one row per image — the
 * image, then each node's map upsampled to the image size in a "hot" colour map (each map scaled to
 * its own maximum).
 */
import { ImageDataset } from '../data/dataset';
import { GridOptions, imageGridPng } from './image_grid';

function hot(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v));
  return [Math.min(255, 3 * t * 255), Math.max(0, Math.min(255, (3 * t - 1) * 255)), Math.max(0, Math.min(255, (3 * t - 2) * 255))];
}

/**
 * @param maps per node, L2-normalised maps [n × h·w] over the samples of `ds` (see analysis.predict)
 * @param samples which samples of `ds` to show
 */
export function attentionGridPng(ds: ImageDataset, samples: number[], maps: Float32Array[], mapShape: [number, number], options: GridOptions = {}): Uint8Array {
  const [H, W, C] = ds.shape;
  const [h, w] = mapShape;
  const tile = H * W * 3;
  const columns = 1 + maps.length;
  const out = new Uint8Array(samples.length * columns * tile);
  samples.forEach((s, row) => {
    const base = row * columns * tile;
    for (let p = 0; p < H * W; p++) for (let k = 0; k < 3; k++) out[base + p * 3 + k] = ds.images[s * H * W * C + p * C + (C === 1 ? 0 : k)];
    maps.forEach((m, node) => {
      const offset = s * h * w;
      let max = 1e-12;
      for (let i = 0; i < h * w; i++) max = Math.max(max, m[offset + i]);
      const t = base + (node + 1) * tile;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const v = m[offset + Math.min(h - 1, Math.floor((y * h) / H)) * w + Math.min(w - 1, Math.floor((x * w) / W))] / max;
          const [r, g, b] = hot(v);
          out[t + (y * W + x) * 3] = r;
          out[t + (y * W + x) * 3 + 1] = g;
          out[t + (y * W + x) * 3 + 2] = b;
        }
      }
    });
  });
  return imageGridPng(out, samples.length * columns, [H, W, 3], { columns, scale: options.scale ?? 3, padding: options.padding ?? 2 });
}

/**
 * The same grid as a figure (thesis Fig 4.12): a column per sample (titled with its index and
 * class), a row per node (labelled) under the row of images, each map scaled to its own maximum on
 * one "Hot" colour scale with a colour bar. Shown with `showPlot`, so it is interactive (hover gives
 * the values) where scripts run and a static image elsewhere.
 */
export function attentionGridFigure(
  ds: ImageDataset,
  samples: number[],
  maps: Float32Array[],
  mapShape: [number, number],
  options: { nodeNames?: string[]; title?: string } = {},
): { data: Array<Record<string, unknown>>; layout: Record<string, unknown> } {
  const [H, W, C] = ds.shape;
  const [h, w] = mapShape;
  const rows = 1 + maps.length;
  const columns = samples.length;
  const axis = (row: number, col: number) => {
    const k = row * columns + col + 1;
    return { x: k === 1 ? 'x' : `x${k}`, y: k === 1 ? 'y' : `y${k}`, layoutX: k === 1 ? 'xaxis' : `xaxis${k}`, layoutY: k === 1 ? 'yaxis' : `yaxis${k}` };
  };
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {
    title: options.title ?? 'attention maps per node (each scaled to its own maximum)',
    grid: { rows, columns, pattern: 'independent', xgap: 0.04, ygap: 0.06 },
    height: 60 + 120 * rows,
    width: Math.max(760, 200 + 120 * columns),
    margin: { l: 170, r: 90, b: 20 },
    annotations: [] as Array<Record<string, unknown>>,
  };
  const annotations = layout.annotations as Array<Record<string, unknown>>;
  samples.forEach((s, col) => {
    const image: number[][][] = [];
    for (let y = 0; y < H; y++) {
      const line: number[][] = [];
      for (let x = 0; x < W; x++) {
        const p = (s * H * W + y * W + x) * C;
        line.push(C === 1 ? [ds.images[p], ds.images[p], ds.images[p]] : [ds.images[p], ds.images[p + 1], ds.images[p + 2]]);
      }
      image.push(line);
    }
    const a = axis(0, col);
    data.push({ type: 'image', z: image, xaxis: a.x, yaxis: a.y, hoverinfo: 'skip' });
    maps.forEach((m, node) => {
      let max = 1e-12;
      for (let i = 0; i < h * w; i++) max = Math.max(max, m[s * h * w + i]);
      const z = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => m[s * h * w + y * w + x] / max));
      const b = axis(node + 1, col);
      data.push({
        type: 'heatmap',
        z,
        xaxis: b.x,
        yaxis: b.y,
        colorscale: 'Hot',
        zmin: 0,
        zmax: 1,
        showscale: node === 0 && col === 0,
        colorbar: { title: { text: 'attention<br>/ map max' }, len: 0.6, y: 0.4 },
        hovertemplate: `node ${node + 1}, sample ${s}<br>(%{x}, %{y}): %{z:.2f}<extra></extra>`,
      });
    });
    annotations.push({
      text: `#${s}: ${ds.classes[ds.labels[s]] ?? ds.labels[s]}`,
      xref: 'paper',
      yref: 'paper',
      x: (col + 0.5) / columns,
      y: 1.0,
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 11 },
    });
  });
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < columns; col++) {
      const a = axis(row, col);
      layout[a.layoutX] = { visible: false };
      layout[a.layoutY] = { visible: false, autorange: 'reversed', ...(row > 0 ? { scaleanchor: a.x } : {}) };
    }
    const label = row === 0 ? 'image' : (options.nodeNames?.[row - 1] ?? `node ${row}`);
    annotations.push({
      text: label,
      xref: 'paper',
      yref: 'paper',
      x: -0.01,
      xanchor: 'right',
      y: 1 - (row + 0.5) / rows,
      showarrow: false,
      font: { size: 12 },
    });
  }
  return { data, layout };
}
