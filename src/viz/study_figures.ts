/**
 * Figures of a graph search, built from `readStudy` rows: per-trial validation curves with the
 * epoch where ASHA stopped each trial (thesis Fig 3.10), the best-so-far curve, the distribution of
 * scores, search vs confirmed values, and the best graph's diagram.
 */
import { kindOf } from '../search/kinds';
import { objectiveOf } from '../search/kinds/kind_id';
import type { StudyData } from '../search/study';
import type { TrialStatus } from '../search/storage/types';
import { PlotlyFigure } from './plotly';

/** how a study's values are shown: accuracies in %, Inception Scores as they are */
function valueAxis(data: StudyData, percent = true): { scale: number; label: string; short: string } {
  const c = data.study.config;
  if (c.metric === 'best-is') return { scale: 1, label: 'best Inception Score of any generator (metric classifier)', short: 'best IS' };
  const scale = percent ? 100 : 1;
  return {
    scale,
    label: `${c.metric === 'ensemble' ? 'ensemble' : 'target-node'} validation accuracy${scale === 100 ? ' (%)' : ''}`,
    short: 'validation accuracy',
  };
}

const statusColour: Record<TrialStatus, string> = { completed: '#1f77b4', pruned: '#aaaaaa', failed: '#d62728', running: '#2ca02c', waiting: '#cccccc' };

/** "8 trials: 3 completed, 3 stopped by ASHA, 2 failed" */
export function trialCounts(data: StudyData): string {
  const n = (s: TrialStatus) => data.trials.filter((t) => t.status === s).length;
  const parts = [`${n('completed')} completed`, `${n('pruned')} stopped by ASHA`, `${n('failed')} failed`];
  if (n('running') + n('waiting') > 0) parts.push(`${n('running') + n('waiting')} unfinished`);
  return `${data.trials.length} trials: ${parts.join(', ')}`;
}

/**
 * Validation value per epoch for every trial; an × marks where a pruned trial was stopped and a red
 * ◆ where a trial failed (at its last epoch, or at the first epoch when it failed before any; the
 * hover text holds the error). The title counts completed, pruned and failed trials.
 */
export function trialCurvesFigure(data: StudyData, options: { title?: string; percent?: boolean } = {}): PlotlyFigure {
  const axis = valueAxis(data, options.percent !== false);
  const scale = axis.scale;
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
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x: curve.x,
      y: curve.y,
      name: `trial ${t.number}`,
      showlegend: false,
      line: { width: t.status === 'completed' ? 2 : 1, color: statusColour[t.status] },
      opacity: t.status === 'completed' ? 1 : 0.6,
      hovertext: `trial ${t.number} (${t.status})`,
    });
    if (t.status === 'pruned') {
      stops.x.push(curve.x[curve.x.length - 1]);
      stops.y.push(curve.y[curve.y.length - 1]);
      stops.text.push(`trial ${t.number} stopped`);
    }
  }
  traces.push({
    type: 'scatter',
    mode: 'markers',
    x: stops.x,
    y: stops.y,
    text: stops.text,
    name: 'stopped by ASHA',
    marker: { symbol: 'x', size: 8, color: '#555555' },
  });
  const failed = data.trials.filter((t) => t.status === 'failed');
  if (failed.length) {
    const lowest = Math.min(...data.epochs.map((e) => e.value * scale).filter(Number.isFinite), Infinity);
    const at = failed.map((t) => {
      const curve = byTrial.get(t.number);
      const y = curve?.y.filter(Number.isFinite).slice(-1)[0];
      return {
        x: curve?.x[curve.x.length - 1] ?? 1,
        y: y ?? (Number.isFinite(lowest) ? lowest : 0),
        text: `trial ${t.number} failed: ${(t.error ?? 'no error recorded').slice(0, 200)}`,
      };
    });
    traces.push({
      type: 'scatter',
      mode: 'markers',
      x: at.map((p) => p.x),
      y: at.map((p) => p.y),
      text: at.map((p) => p.text),
      hoverinfo: 'text',
      name: `failed (${failed.length})`,
      marker: { symbol: 'diamond', size: 10, color: statusColour.failed },
    });
  }
  traces.push({ type: 'scatter', mode: 'lines', x: [null], y: [null], name: 'reached the last epoch', line: { color: statusColour.completed, width: 2 } });
  return {
    data: traces,
    layout: {
      title: `${options.title ?? `${data.study.name}: ${axis.label} per trial`} (${trialCounts(data)})`,
      // whole epochs: a linear axis ticks every epoch (plotly would put ticks at 1.5, 2.5 for a few epochs)
      xaxis: { title: 'epoch', ...(data.study.config.epochs >= 16 ? { type: 'log' } : { type: 'linear', dtick: 1 }) },
      yaxis: { title: axis.label },
      height: 420,
    },
  };
}

/** Best value so far against the number of finished trials (in finishing order). */
export function bestSoFarFigure(data: StudyData, options: { title?: string } = {}): PlotlyFigure {
  const finished = data.trials
    .filter((t) => t.finishedAt !== undefined && t.status !== 'failed' && t.value !== undefined && Number.isFinite(t.value))
    .sort((a, b) => a.finishedAt! - b.finishedAt!);
  const { scale, label } = valueAxis(data);
  let best = -Infinity;
  const y = finished.map((t) => (best = Math.max(best, t.value! * scale)));
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        x: finished.map((_, i) => i + 1),
        y: finished.map((t) => t.value! * scale),
        name: 'trial value',
        marker: { color: finished.map((t) => statusColour[t.status]), size: 6 },
      },
      { type: 'scatter', mode: 'lines', line: { shape: 'hv', width: 2 }, x: finished.map((_, i) => i + 1), y, name: 'best so far' },
    ],
    layout: { title: options.title ?? `${data.study.name}: best so far`, xaxis: { title: 'finished trials' }, yaxis: { title: label }, height: 380 },
  };
}

/** Distribution of final values, per status (completed vs pruned). */
export function scoreDistributionFigure(data: StudyData, options: { title?: string } = {}): PlotlyFigure {
  const statuses: TrialStatus[] = ['completed', 'pruned'];
  const { scale, label } = valueAxis(data);
  return {
    data: statuses.map((s) => ({
      type: 'histogram',
      name: s,
      opacity: 0.75,
      marker: { color: statusColour[s] },
      x: data.trials.filter((t) => t.status === s && t.value !== undefined && Number.isFinite(t.value)).map((t) => t.value! * scale),
    })),
    layout: {
      title: options.title ?? `${data.study.name}: final values of the trials`,
      barmode: 'overlay',
      xaxis: { title: `${label} at the last evaluation` },
      yaxis: { title: 'trials' },
      height: 360,
    },
  };
}

/**
 * Search validity: each confirmed trial's search value (the one run it was selected on) against its
 * mean over fresh seeds (± sd), with the line y = x. Points below the line are the winner's curse: the
 * search picked runs that were luckier than their graphs.
 */
export function confirmationFigure(data: StudyData, options: { title?: string } = {}): PlotlyFigure | undefined {
  const c = data.confirmation;
  if (!c || !c.trials.length) return undefined;
  const { scale, label } = valueAxis(data);
  const x = c.trials.map((t) => t.searchValue * scale);
  const y = c.trials.map((t) => t.mean * scale);
  const all = [...x, ...y.map((v, i) => v + c.trials[i].std * scale), ...y.map((v, i) => v - c.trials[i].std * scale)].filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.08 || 1;
  return {
    data: [
      { type: 'scatter', mode: 'lines', x: [lo - pad, hi + pad], y: [lo - pad, hi + pad], name: 'confirmed = search', line: { dash: 'dot', color: '#888888' } },
      {
        type: 'scatter',
        mode: 'markers+text',
        x,
        y,
        text: c.trials.map((t) => `trial ${t.number}${c.best?.number === t.number ? ' (best)' : ''}`),
        textposition: 'top center',
        error_y: { type: 'data', array: c.trials.map((t) => t.std * scale), visible: true },
        name: `mean ± sd over ${c.seeds} fresh seeds`,
        marker: { size: 9, color: c.trials.map((t) => (c.best?.number === t.number ? '#d62728' : '#1f77b4')) },
      },
    ],
    layout: {
      title: options.title ?? `${data.study.name}: search value vs confirmed value (top ${c.top})`,
      xaxis: { title: `search: ${label} (one run)`, range: [lo - pad, hi + pad] },
      yaxis: { title: `confirmed: mean over ${c.seeds} fresh seeds`, range: [lo - pad, hi + pad] },
      height: 420,
    },
  };
}

/** Graphviz source of the best graph (render with `renderDot`), or undefined before any trial finished. */
export function bestGraphDot(data: StudyData): string | undefined {
  if (!data.best) return undefined;
  const { trial, confirmed } = data.best;
  const kind = kindOf(data.study.config);
  const format = objectiveOf(data.study.config).format;
  const value = confirmed ? `confirmed ${format(confirmed.mean)} over ${confirmed.values.length} seeds` : format(trial.value);
  return kind.toDot(kind.parseSpec(data.best.spec), { title: `${data.study.name}: best trial ${trial.number}, ${value}` });
}
