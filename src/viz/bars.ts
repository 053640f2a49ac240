/**
 * Grouped bars of a measure over seeds: each bar is the mean with the sample standard deviation as
 * its error bar, and the value axis spans the bars' error ranges instead of starting at 0, so that
 * differences of a few points stay visible (the axis range is printed on it).
 */
import { meanStd } from '../graph/repeat';
import type { PlotlyFigure } from './plotly';

export interface BarGroup {
  /** legend entry, e.g. "ensemble" or "100 labels" */
  name: string;
  /** one bar per category */
  x: string[];
  /** per category, the per-seed values */
  values: number[][];
}

/** the value axis: every bar's mean ± sd with 15 % padding (0 only when the bars reach it) */
export function barAxisRange(groups: BarGroup[]): [number, number] {
  const ends = groups.flatMap((g) => g.values.map(meanStd)).flatMap((s) => [s.mean - s.std, s.mean + s.std]);
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const pad = Math.max(0.15 * (hi - lo), 0.5);
  return [lo - pad, hi + pad];
}

/** Bars with error bars over seeds; `legendTitle` names what the groups are (e.g. "labelled images"). */
export function barsOverSeeds(groups: BarGroup[], options: { title: string; yTitle: string; legendTitle?: string; height?: number }): PlotlyFigure {
  groups.forEach((g) => {
    if (g.x.length !== g.values.length) throw new Error(`bar group "${g.name}": ${g.x.length} categories but ${g.values.length} value lists`);
    g.values.forEach((v, i) => {
      if (v.length === 0) throw new Error(`bar group "${g.name}", "${g.x[i]}": no values`);
    });
  });
  const seeds = [...new Set(groups.flatMap((g) => g.values.map((v) => v.length)))];
  return {
    data: groups.map((g) => {
      const stats = g.values.map(meanStd);
      return { type: 'bar', name: g.name, x: g.x, y: stats.map((s) => s.mean), error_y: { type: 'data', array: stats.map((s) => s.std), visible: true } };
    }),
    layout: {
      title: `${options.title} (mean ± sd over ${seeds.join('/')} seeds)`,
      barmode: 'group',
      height: options.height ?? 400,
      yaxis: { title: options.yTitle, range: barAxisRange(groups) },
      ...(options.legendTitle ? { legend: { title: { text: options.legendTitle } } } : {}),
    },
  };
}
