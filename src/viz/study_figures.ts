/**
 * Figures of a graph search, built from `readStudy` rows: per-trial validation curves with the
 * epoch where ASHA stopped each trial (thesis Fig 3.10), the best-so-far curve, the distribution of
 * scores, and the best graph's diagram.
 */
import { graphToDot } from '../graph/dot';
import type { StudyData } from '../search/study';
import type { TrialStatus } from '../search/storage/types';
import { PlotlyFigure } from './plotly';

const statusColour: Record<TrialStatus, string> = { completed: '#1f77b4', pruned: '#aaaaaa', failed: '#d62728', running: '#2ca02c', waiting: '#cccccc' };

/** Validation value per epoch for every trial; an × marks where a pruned trial was stopped. */
export function trialCurvesFigure(data: StudyData, options: { title?: string; percent?: boolean } = {}): PlotlyFigure {
  const scale = options.percent === false ? 1 : 100;
  const byTrial = new Map<number, { x: number[]; y: number[] }>();
  for (const e of data.epochs) {
    const curve = byTrial.get(e.trial) ?? { x: [], y: [] };
    curve.x.push(e.epoch);
    curve.y.push(e.value * scale);
    byTrial.set(e.trial, curve);
  }
  const traces: Array<Record<string, unknown>> = [];
  const stops = { x: [] as number[], y: [] as number[], text: [] as string[] };
  for (const t of data.trials) {
    const curve = byTrial.get(t.number);
    if (!curve) continue;
    traces.push({ type: 'scatter', mode: 'lines', x: curve.x, y: curve.y, name: `trial ${t.number}`, showlegend: false, line: { width: t.status === 'completed' ? 2 : 1, color: statusColour[t.status] }, opacity: t.status === 'completed' ? 1 : 0.6, hovertext: `trial ${t.number} (${t.status})` });
    if (t.status === 'pruned') {
      stops.x.push(curve.x[curve.x.length - 1]);
      stops.y.push(curve.y[curve.y.length - 1]);
      stops.text.push(`trial ${t.number} stopped`);
    }
  }
  traces.push({ type: 'scatter', mode: 'markers', x: stops.x, y: stops.y, text: stops.text, name: 'stopped by ASHA', marker: { symbol: 'x', size: 8, color: '#d62728' } });
  traces.push({ type: 'scatter', mode: 'lines', x: [null], y: [null], name: 'reached the last epoch', line: { color: statusColour.completed, width: 2 } });
  const metric = data.study.config.metric === 'ensemble' ? 'ensemble' : 'target-node';
  return {
    data: traces,
    layout: {
      title: options.title ?? `${data.study.name}: ${metric} validation accuracy per trial`,
      xaxis: { title: 'epoch', type: data.study.config.epochs >= 16 ? 'log' : 'linear' },
      yaxis: { title: `validation accuracy${scale === 100 ? ' (%)' : ''}` },
      height: 420,
    },
  };
}

/** Best value so far against the number of finished trials (in finishing order). */
export function bestSoFarFigure(data: StudyData, options: { title?: string } = {}): PlotlyFigure {
  const finished = data.trials.filter((t) => t.finishedAt !== undefined && t.status !== 'failed' && t.value !== undefined && Number.isFinite(t.value)).sort((a, b) => a.finishedAt! - b.finishedAt!);
  let best = -Infinity;
  const y = finished.map((t) => (best = Math.max(best, t.value! * 100)));
  return {
    data: [
      { type: 'scatter', mode: 'markers', x: finished.map((_, i) => i + 1), y: finished.map((t) => t.value! * 100), name: 'trial value', marker: { color: finished.map((t) => statusColour[t.status]), size: 6 } },
      { type: 'scatter', mode: 'lines', line: { shape: 'hv', width: 2 }, x: finished.map((_, i) => i + 1), y, name: 'best so far' },
    ],
    layout: { title: options.title ?? `${data.study.name}: best so far`, xaxis: { title: 'finished trials' }, yaxis: { title: 'validation accuracy (%)' }, height: 380 },
  };
}

/** Distribution of final values, per status (completed vs pruned). */
export function scoreDistributionFigure(data: StudyData, options: { title?: string } = {}): PlotlyFigure {
  const statuses: TrialStatus[] = ['completed', 'pruned'];
  return {
    data: statuses.map((s) => ({ type: 'histogram', name: s, opacity: 0.75, marker: { color: statusColour[s] }, x: data.trials.filter((t) => t.status === s && t.value !== undefined && Number.isFinite(t.value)).map((t) => t.value! * 100) })),
    layout: { title: options.title ?? `${data.study.name}: final validation accuracy of the trials`, barmode: 'overlay', xaxis: { title: 'validation accuracy at the last evaluation (%)' }, yaxis: { title: 'trials' }, height: 360 },
  };
}

/** Graphviz source of the best graph (render with `renderDot`), or undefined before any trial finished. */
export function bestGraphDot(data: StudyData): string | undefined {
  if (!data.best) return undefined;
  const { trial, spec } = data.best;
  return graphToDot(spec, { title: `${data.study.name}: best trial ${trial.number}, ${(100 * trial.value!).toFixed(2)} %` });
}
