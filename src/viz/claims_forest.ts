/**
 * A forest plot of claims, as a reviewer reads a ledger: per claim its mean paired difference with
 * its interval (95 %; 90 % for equivalence claims), a zero line, the equivalence margin as a band,
 * colour by verdict, and not-tested claims greyed with their reason. One panel per notebook and unit
 * (accuracy points and IS are never put on one axis); a claim far off its panel's scale (ch4's −KL
 * collapse, +73 points beside effects of 1–3) is drawn at the panel's edge with its value written.
 */
import { claimNote, intervalText, LedgerFile, measureUnit } from '../claims/ledger';
import type { ClaimRecord } from '../claims/ledger';
import { signed, Verdict } from '../claims/paired';
import type { PlotlyFigure } from './plotly';

export const VERDICT_COLOURS: Record<Verdict, string> = { reproduces: '#2ca02c', contradicted: '#d62728', undecided: '#1f77b4', 'not tested': '#b0b0b0' };

interface Panel {
  title: string;
  unit: string;
  claims: ClaimRecord[];
}

const shorten = (s: string, n = 64) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function panelsOf(ledgers: LedgerFile[]): Panel[] {
  const panels: Panel[] = [];
  for (const l of ledgers)
    for (const c of l.claims) {
      const unit = measureUnit(c.measure) || 'points';
      let panel = panels.find((p) => p.title.startsWith(l.notebook) && p.unit === unit);
      if (!panel) panels.push((panel = { title: `${l.notebook} (Δ ${unit})`, unit, claims: [] }));
      panel.claims.push(c);
    }
  return panels;
}

/**
 * The x range of a panel: every interval and margin and 0, unless one claim reaches more than 5×
 * further than all the others, which is then drawn clipped at the edge.
 */
export function forestRange(claims: ClaimRecord[]): { range: [number, number]; clipped: Set<number> } {
  const reach = claims.map((c) => Math.max(Math.abs(c.result.interval[0]), Math.abs(c.result.interval[1]), c.result.margin ?? 0));
  const clipped = new Set<number>();
  if (claims.length > 1) {
    const order = reach.map((r, i) => [r, i] as const).sort((a, b) => b[0] - a[0]);
    if (order[0][0] > 5 * Math.max(order[1][0], 1e-9)) clipped.add(order[0][1]);
  }
  let lo = 0;
  let hi = 0;
  claims.forEach((c, i) => {
    if (clipped.has(i)) return;
    lo = Math.min(lo, c.result.interval[0], -(c.result.margin ?? 0));
    hi = Math.max(hi, c.result.interval[1], c.result.margin ?? 0);
  });
  const pad = Math.max(0.1 * (hi - lo), 1e-3);
  return { range: [lo - pad, hi + pad], clipped };
}

/** The forest plot of the claims of one or more ledgers (one panel per notebook and unit). */
export function claimsForestFigure(ledgers: LedgerFile[], options: { title?: string } = {}): PlotlyFigure {
  const panels = panelsOf(ledgers);
  const rowHeight = 30;
  const gap = 70;
  const rows = panels.reduce((s, p) => s + p.claims.length, 0);
  const plotHeight = rows * rowHeight + gap * panels.length;
  const height = plotHeight + 120;
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = {
    title: options.title ?? 'Claims: mean paired difference and interval (95 %; TOST 90 % with its margin as a band)',
    height,
    showlegend: true,
    legend: { orientation: 'h', y: -40 / plotHeight },
    margin: { l: 20, r: 30, t: 80, b: 60 },
    hovermode: 'closest',
  };
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const shown = new Set<Verdict>();
  let top = 1;
  panels.forEach((panel, k) => {
    const ax = k === 0 ? '' : String(k + 1);
    const n = panel.claims.length;
    const size = (n * rowHeight) / plotHeight;
    const domain: [number, number] = [Math.max(0, top - (gap * 0.55) / plotHeight - size), top - (gap * 0.55) / plotHeight];
    top = domain[0] - (gap * 0.45) / plotHeight;
    const { range, clipped } = forestRange(panel.claims);
    layout[`xaxis${ax}`] = { domain: [0, 1], anchor: `y${ax}`, range, zeroline: false, title: { text: `Δ (${panel.unit})`, standoff: 2 }, automargin: true };
    layout[`yaxis${ax}`] = {
      domain,
      anchor: `x${ax}`,
      range: [n - 0.5, -0.5],
      tickvals: panel.claims.map((_, i) => i),
      ticktext: panel.claims.map((c) => shorten(c.claim)),
      zeroline: false,
      automargin: true,
    };
    annotations.push({ text: `<b>${panel.title}</b>`, xref: 'paper', yref: 'paper', x: 0, y: domain[1], xanchor: 'left', yanchor: 'bottom', showarrow: false });
    shapes.push({ type: 'line', xref: `x${ax}`, yref: `y${ax}`, x0: 0, x1: 0, y0: -0.5, y1: n - 0.5, line: { color: '#444', width: 1 } });
    panel.claims.forEach((c, i) => {
      if (c.result.margin != null)
        shapes.push({
          type: 'rect',
          xref: `x${ax}`,
          yref: `y${ax}`,
          x0: -c.result.margin,
          x1: c.result.margin,
          y0: i - 0.4,
          y1: i + 0.4,
          fillcolor: 'rgba(255, 190, 60, 0.25)',
          line: { width: 0 },
          layer: 'below',
        });
    });
    for (const verdict of Object.keys(VERDICT_COLOURS) as Verdict[]) {
      const idx = panel.claims.map((c, i) => [c, i] as const).filter(([c]) => c.result.verdict === verdict);
      if (idx.length === 0) continue;
      const clip = (v: number) => Math.min(range[1], Math.max(range[0], v));
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: verdict,
        legendgroup: verdict,
        showlegend: !shown.has(verdict),
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        x: idx.map(([c]) => clip(c.result.mean)),
        y: idx.map(([, i]) => i),
        error_x: {
          type: 'data',
          symmetric: false,
          array: idx.map(([c]) => clip(c.result.interval[1]) - clip(c.result.mean)),
          arrayminus: idx.map(([c]) => clip(c.result.mean) - clip(c.result.interval[0])),
          color: VERDICT_COLOURS[verdict],
          thickness: 2,
          width: 4,
        },
        marker: {
          color: VERDICT_COLOURS[verdict],
          size: 9,
          symbol: idx.map(([, i]) =>
            clipped.has(i) ? (panel.claims[i].result.mean > 0 ? 'triangle-right' : 'triangle-left') : verdict === 'not tested' ? 'circle-open' : 'circle',
          ),
        },
        text: idx.map(
          ([c]) =>
            `${c.claim}<br>${signed(c.result.mean)} ${intervalText(c.result)}, ${c.result.n} seeds: ${verdict}${claimNote(c) ? `<br>${shorten(claimNote(c), 120)}` : ''}`,
        ),
        hoverinfo: 'text',
      });
      shown.add(verdict);
      for (const [c, i] of idx)
        if (clipped.has(i))
          annotations.push({
            text: `${signed(c.result.mean)} ${intervalText(c.result)}`,
            xref: `x${ax}`,
            yref: `y${ax}`,
            x: clip(c.result.mean),
            y: i,
            xanchor: 'right',
            yanchor: 'bottom',
            showarrow: false,
            font: { size: 10 },
          });
        else if (c.result.verdict === 'not tested')
          annotations.push({
            text: shorten(`not tested: ${c.result.reason ?? ''}`, 70),
            xref: `x${ax}`,
            yref: `y${ax}`,
            x: range[1],
            y: i,
            // just above the row's interval, without a background: the grey interval stays visible
            xanchor: 'right',
            yanchor: 'bottom',
            yshift: 2,
            showarrow: false,
            font: { size: 9, color: '#777' },
          });
    }
  });
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}
