/** The forest plot of claims and bars over seeds: what they draw, from hand-made ledgers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClaimsLedger } from '../../src/claims';
import { barAxisRange, barsOverSeeds, claimsForestFigure, forestRange } from '../../src/viz';

type Trace = { name: string; x: number[]; y: number[]; xaxis: string; marker: { symbol: string[] }; error_x: { array: number[]; arrayminus: number[] } };

test('forest plot: one point per claim with its interval, panels per unit, margin bands, zero lines, not-tested greyed, outliers clipped', () => {
  const ledger = new ClaimsLedger({ notebook: 'nb', preset: 'ci', backend: 'cpu', dataset: 'x', seeds: [0, 1, 2] });
  const m = 'test accuracy, points';
  ledger.claim('small gain', { better: [71, 72, 73], baseline: [70, 70, 70], reference: 'kdVsVanilla', measure: m });
  ledger.claim('collapse', { better: [85, 84, 86], baseline: [11, 12, 10], reference: 'negKlCollapse', measure: m });
  ledger.claim('mix ≈ real', { better: [70.2, 69.9, 70.1], baseline: [70, 70, 70], reference: 'mixVsReal', measure: m, margin: 1 });
  ledger.claim('same graph', { better: [70, 71, 72], baseline: [70, 71, 72], reference: 'fixMatchSearchVsFixMatch', measure: m });
  ledger.claim('IS gain', { better: [2, 2.1, 2.2], baseline: [1, 1, 1], reference: 'snapshotQuality', measure: 'IS (metric classifier)' });
  const fig = claimsForestFigure([ledger.asFile()]);
  const traces = fig.data as unknown as Trace[];
  // every claim once: 4 in the points panel (x), 1 in the IS panel (x2)
  assert.equal(
    traces.reduce((s, t) => s + t.x.length, 0),
    5,
  );
  assert.deepEqual([...new Set(traces.map((t) => t.xaxis))].sort(), ['x', 'x2']);
  const layout = fig.layout as { shapes: Array<Record<string, unknown>>; annotations: Array<{ text: string }>; xaxis: { range: [number, number] } };
  // the zero line of each panel, and the ±1 band of the equivalence claim
  assert.equal(layout.shapes.filter((s) => s.type === 'line' && s.x0 === 0).length, 2);
  assert.deepEqual(
    layout.shapes.filter((s) => s.type === 'rect').map((s) => [s.x0, s.x1]),
    [[-1, 1]],
  );
  // not tested: an open grey marker and its reason written on the row
  const notTested = traces.find((t) => t.name === 'not tested')!;
  assert.deepEqual(notTested.marker.symbol, ['circle-open']);
  assert.ok(layout.annotations.some((a) => a.text === 'not tested: identical arms: equal on every seed'));
  // the collapse (+74) is 20× further out than the rest: drawn at the panel's edge, its value written beside it
  const range = layout.xaxis.range;
  assert.ok(range[1] < 10, `${range}`);
  const reproduced = traces.find((t) => t.name === 'reproduces' && t.xaxis === 'x')!;
  assert.ok(reproduced.x.includes(range[1]));
  assert.ok(layout.annotations.some((a) => a.text.startsWith('+74.00 [')));
  // the interval is the error bar: small gain +2 ± 2.48414 (undecided)
  const undecided = traces.find((t) => t.name === 'undecided')!;
  assert.ok(Math.abs(undecided.error_x.array[0] - 2.48414) < 1e-4 && Math.abs(undecided.error_x.arrayminus[0] - 2.48414) < 1e-4);
  assert.deepEqual(forestRange(ledger.claims.slice(0, 1)).clipped.size, 0);
});

test('bars over seeds: mean with the sample sd as error bar, on an axis that does not start at 0', () => {
  const groups = [
    {
      name: 'a',
      x: ['2 nodes', '3 nodes'],
      values: [
        [52, 53, 54],
        [50, 51, 52],
      ],
    },
    {
      name: 'b',
      x: ['2 nodes', '3 nodes'],
      values: [
        [53, 53, 53],
        [55, 55.5, 56],
      ],
    },
  ];
  const fig = barsOverSeeds(groups, { title: 'Fig', yTitle: 'accuracy', legendTitle: 'labelled images' });
  const bars = fig.data as Array<{ y: number[]; error_y: { array: number[] } }>;
  assert.deepEqual(bars[0].y, [53, 51]);
  assert.deepEqual(bars[0].error_y.array, [1, 1]);
  assert.deepEqual(bars[1].error_y.array, [0, 0.5]);
  // ends 50 … 56, span 6, padding max(0.9, 0.5)
  const [lo, hi] = barAxisRange(groups);
  assert.ok(Math.abs(lo - 49.1) < 1e-9 && Math.abs(hi - 56.9) < 1e-9, `${lo}, ${hi}`);
  assert.match(String((fig.layout as { title: string }).title), /mean ± sd over 3 seeds/);
  assert.throws(() => barsOverSeeds([{ name: 'a', x: ['p'], values: [[1], [2]] }], { title: '', yTitle: '' }), /1 categories but 2 value lists/);
});
