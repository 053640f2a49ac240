/** Curves with seed bands: the mean line and the band's edges, computed by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveBandsFigure, curveStats } from '../../src/viz';

test('curve bands: the line is the mean over seeds, the band runs along the highest seed and back along the lowest', () => {
  const arm = {
    name: 'MAD-GAN',
    x: [100, 200, 300],
    seeds: [
      [1, 2, 4],
      [3, 2, 2],
      [2, 5, 3],
    ],
  };
  assert.deepEqual(curveStats(arm), { mean: [2, 3, 3], low: [1, 2, 2], high: [3, 5, 4] });
  const fig = curveBandsFigure([arm, { name: 'DCGAN', x: [100, 200, 300], seeds: [[1, 1, 1]] }], {
    title: 't',
    xTitle: 'step',
    yTitle: 'IS',
    levels: [{ y: 3.3, label: 'half the real IS' }],
  });
  const layout = fig.layout as { shapes: Array<{ y0: number; y1: number; line: { dash: string } }>; annotations: Array<{ text: string; y: number }> };
  assert.deepEqual(
    layout.shapes.map((s) => [s.y0, s.y1, s.line.dash]),
    [[3.3, 3.3, 'dot']],
  );
  assert.deepEqual(
    layout.annotations.map((a) => [a.text, a.y]),
    [['half the real IS', 3.3]],
  );
  const [band, line, band2, line2] = fig.data as Array<{ x: number[]; y: number[]; fill?: string; name: string; line: { color: string } }>;
  assert.equal(fig.data.length, 4);
  assert.deepEqual(line.y, [2, 3, 3]);
  assert.equal(line.name, 'MAD-GAN (3 seeds)');
  assert.equal(band.fill, 'toself');
  assert.deepEqual(band.x, [100, 200, 300, 300, 200, 100]);
  assert.deepEqual(band.y, [3, 5, 4, 2, 2, 1]);
  // one seed: the band is the line itself; each arm has its own colour
  assert.deepEqual(band2.y, [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(line2.y, [1, 1, 1]);
  assert.notEqual(line.line.color, line2.line.color);
});

test('curve bands: a seed measured at other steps than the arm is refused, naming the arm and the seed', () => {
  assert.throws(() => curveStats({ name: 'ours', x: [1, 2], seeds: [[1, 2], [1]] }), /curve "ours", seed #1: 1 values for 2 steps/);
  assert.throws(() => curveStats({ name: 'ours', x: [1, 2], seeds: [] }), /curve "ours": no seeds/);
});
