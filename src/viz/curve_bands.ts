/**
 * Curves over training with the seeds as a band: for each arm, the mean over seeds at every step as
 * a line and the seeds' range (lowest to highest) as a shaded band behind it, so that a reader sees
 * both where an arm is going and how far its seeds spread (e.g. IS / FID of GAN arms per period).
 */
import type { PlotlyFigure } from './plotly';

export interface CurveArm {
  /** legend entry, e.g. "MAD-GAN" */
  name: string;
  /** the steps (or epochs) every seed was measured at */
  x: number[];
  /** per seed, one value per x */
  seeds: number[][];
}

const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** `#rrggbb` with an alpha, as Plotly's fill colour */
function translucent(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** per x: the mean, lowest and highest value over the seeds */
export function curveStats(arm: CurveArm): { mean: number[]; low: number[]; high: number[] } {
  if (arm.seeds.length === 0) throw new Error(`curve "${arm.name}": no seeds`);
  arm.seeds.forEach((s, i) => {
    if (s.length !== arm.x.length) throw new Error(`curve "${arm.name}", seed #${i}: ${s.length} values for ${arm.x.length} steps`);
  });
  const column = (j: number) => arm.seeds.map((s) => s[j]);
  return {
    mean: arm.x.map((_, j) => column(j).reduce((a, b) => a + b, 0) / arm.seeds.length),
    low: arm.x.map((_, j) => Math.min(...column(j))),
    high: arm.x.map((_, j) => Math.max(...column(j))),
  };
}

/** One line per arm (the mean over seeds) over a band from its lowest to its highest seed. */
export function curveBandsFigure(
  arms: CurveArm[],
  options: {
    title: string;
    xTitle: string;
    yTitle: string;
    logY?: boolean;
    height?: number;
    /** dotted horizontal lines, e.g. a threshold */
    levels?: Array<{ y: number; label: string }>;
  },
): PlotlyFigure {
  const levels = options.levels ?? [];
  const data = arms.flatMap((arm, i) => {
    const colour = palette[i % palette.length];
    const { mean, low, high } = curveStats(arm);
    const band = {
      type: 'scatter',
      mode: 'lines',
      name: `${arm.name} (seed range)`,
      x: [...arm.x, ...[...arm.x].reverse()],
      y: [...high, ...[...low].reverse()],
      fill: 'toself',
      fillcolor: translucent(colour, 0.18),
      line: { width: 0, color: colour },
      hoverinfo: 'skip',
      showlegend: false,
      legendgroup: arm.name,
    };
    const line = {
      type: 'scatter',
      mode: 'lines+markers',
      name: `${arm.name} (${arm.seeds.length} seeds)`,
      x: arm.x,
      y: mean,
      line: { color: colour },
      legendgroup: arm.name,
    };
    return [band, line];
  });
  return {
    data,
    layout: {
      title: options.title,
      xaxis: { title: options.xTitle },
      yaxis: { title: options.yTitle, ...(options.logY ? { type: 'log' } : {}) },
      height: options.height ?? 400,
      shapes: levels.map((l) => ({ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: l.y, y1: l.y, line: { dash: 'dot', width: 1, color: '#555' } })),
      annotations: levels.map((l) => ({
        xref: 'paper',
        x: 1,
        y: l.y,
        text: l.label,
        showarrow: false,
        xanchor: 'right',
        yanchor: 'bottom',
        font: { size: 11 },
      })),
    },
  };
}
