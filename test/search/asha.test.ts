import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AshaOptions, defaultAsha, promotable, rungAt, rungEpochs } from '../../src/search/asha';

test('rungs sit at r·η^(s+k): 1, 2, 4, 8, … for the thesis setting; the last epoch needs no decision', () => {
  assert.deepEqual(rungEpochs(defaultAsha, 200), [1, 2, 4, 8, 16, 32, 64, 128]);
  assert.deepEqual(rungEpochs(defaultAsha, 4), [1, 2]);
  assert.deepEqual(rungEpochs({ ...defaultAsha, minResource: 2, reductionFactor: 3 }, 60), [2, 6, 18, 54]);
  assert.deepEqual(rungEpochs({ ...defaultAsha, minEarlyStoppingRate: 1 }, 10), [2, 4, 8]);
  assert.equal(rungAt(defaultAsha, 4), 2);
  assert.equal(rungAt(defaultAsha, 3), undefined);
});

test('promotion keeps the best ⌊n/η⌋ (at least the best so far); ties go on; NaN stops', () => {
  // first trial at a rung: alone, so it is the best so far
  assert.equal(promotable(0.1, [0.1], defaultAsha), true);
  // n = 2 or 3, η = 2: only the best goes on
  assert.equal(promotable(0.5, [0.6, 0.5], defaultAsha), false);
  assert.equal(promotable(0.6, [0.6, 0.5], defaultAsha), true);
  assert.equal(promotable(0.5, [0.6, 0.4, 0.5], defaultAsha), false);
  // n = 4: the top 2 go on, the bottom 50 % stop (thesis rule)
  assert.equal(promotable(0.5, [0.6, 0.4, 0.5, 0.3], defaultAsha), true);
  assert.equal(promotable(0.4, [0.6, 0.4, 0.5, 0.3], defaultAsha), false);
  // ties with the threshold are promoted
  assert.equal(promotable(0.5, [0.6, 0.5, 0.5, 0.3], defaultAsha), true);
  assert.equal(promotable(NaN, [NaN], defaultAsha), false);
  // η = 3 keeps ⌊6/3⌋ = 2 of 6
  const eta3: AshaOptions = { ...defaultAsha, reductionFactor: 3 };
  assert.equal(promotable(0.5, [0.9, 0.5, 0.4, 0.3, 0.2, 0.1], eta3), true);
  assert.equal(promotable(0.4, [0.9, 0.5, 0.4, 0.3, 0.2, 0.1], eta3), false);
  // bootstrap: nobody goes on until more than bootstrapCount values are recorded
  assert.equal(promotable(0.9, [0.9, 0.1], { ...defaultAsha, bootstrapCount: 2 }), false);
  assert.equal(promotable(0.9, [0.9, 0.1, 0.2], { ...defaultAsha, bootstrapCount: 2 }), true);
});

/** Replays trials one after another (as one worker would) with an in-memory rung record. */
function simulate(curves: number[][], o: AshaOptions): number[] {
  const rungs = new Map<number, number[]>();
  return curves.map((curve) => {
    for (let epoch = 1; epoch <= curve.length; epoch++) {
      const rung = epoch < curve.length ? rungAt(o, epoch) : undefined;
      if (rung === undefined) continue;
      const recorded = rungs.get(rung) ?? [];
      recorded.push(curve[epoch - 1]);
      rungs.set(rung, recorded);
      if (!promotable(curve[epoch - 1], recorded, o)) return epoch;
    }
    return curve.length;
  });
}

test('synthetic learning curves: the epochs at which each trial stops', () => {
  // 8 epochs → rungs at 1, 2, 4
  const curves = [
    [0.3, 0.4, 0.5, 0.55, 0.6, 0.62, 0.63, 0.64], // first: always promoted
    [0.2, 0.3, 0.4, 0.45, 0.5, 0.5, 0.5, 0.5], // worse at rung 0 than the only other → stops at 1
    [0.35, 0.45, 0.52, 0.6, 0.62, 0.63, 0.65, 0.66], // best at every rung → full length
    [0.32, 0.41, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], // rung 0: 4 values, top 2 are .35 .32 → goes on; rung 1: 3 values, best is .45 → stops at 2
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], // bottom → stops at 1
    [0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], // good start, bad at rung 1 → stops at 2
    [0.4, 0.5, 0.51, 0.52, 0.7, 0.7, 0.7, 0.7], // top 3 of 7 at rung 0, top 2 of 5 at rung 1, rung 2 (epoch 4): .55 .6 .52 → stops at 4
  ];
  assert.deepEqual(simulate(curves, defaultAsha), [8, 1, 8, 2, 1, 2, 4]);
  // without a pruner every trial would spend all 8 epochs: 56; ASHA spent 26
  assert.equal(
    simulate(curves, defaultAsha).reduce((a, b) => a + b, 0),
    26,
  );
});
