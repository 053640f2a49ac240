import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { applyGate, gateFactor, gateProblems, GateSpec } from '../../src/gates';

before(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});

const close = (a: number[], b: number[], tol = 1e-6) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${a} vs ${b}`));
const values = (t: tf.Tensor) => Array.from(t.dataSync());

test('time gates match their formulas', () => {
  const a = tf.tensor1d([2, 4]);
  const ctx = { step: 30, totalSteps: 120 };
  close(values(applyGate({ name: 'through' }, a, ctx)), [2, 4]);
  close(values(applyGate({ name: 'cutoff' }, a, ctx)), [0, 0]);
  close(values(applyGate({ name: 'linear' }, a, ctx)), [0.5, 1]);
  close(values(applyGate({ name: 'negativeLinear' }, a, ctx)), [1.5, 3]);
  // sine f = 1, φ = 0 at k/k_end = 1/4: 0.5 + 0.5·sin(π/2) = 1
  close(values(applyGate({ name: 'sine', f: 1, phi: 0 }, a, ctx)), [2, 4]);
  // f = 0.5, φ = π/4 at 1/4: 0.5 + 0.5·sin(π/4 + π/4) = 1
  close(values(applyGate({ name: 'sine', f: 0.5, phi: Math.PI / 4 }, a, ctx)), [2, 4]);
});

test('sine identities: through, cutoff and linear are special cases', () => {
  for (let k = 0; k <= 100; k += 5) {
    const through = gateFactor({ name: 'sine', f: 0, phi: Math.PI / 2 }, k, 100)!;
    const cutoff = gateFactor({ name: 'sine', f: 0, phi: 1.5 * Math.PI }, k, 100)!;
    const linear = gateFactor({ name: 'sine', f: 0.5, phi: 1.5 * Math.PI }, k, 100)!;
    assert.ok(Math.abs(through - 1) < 1e-12);
    assert.ok(Math.abs(cutoff) < 1e-12);
    // 0.5 + 0.5 sin(πx + 3π/2) = 0.5 − 0.5 cos(πx): equals the linear gate at both ends and midway
    if (k === 0 || k === 50 || k === 100) assert.ok(Math.abs(linear - k / 100) < 1e-12, `k=${k}: ${linear}`);
    assert.ok(linear >= 0 && linear <= 1);
  }
});

test('correct and threshold gates use the source output', () => {
  const a = tf.tensor1d([1, 2, 3]);
  const probs = tf.tensor2d([[0.96, 0.04], [0.3, 0.7], [0.5, 0.5]]);
  const labels = tf.tensor1d([0, 0, 1], 'int32');
  close(values(applyGate({ name: 'correct' }, a, { step: 0, totalSteps: 1, sourceProbs: probs, labels })), [1, 0, 0]);
  close(values(applyGate({ name: 'threshold', tau: 0.95 }, a, { step: 0, totalSteps: 1, sourceProbs: probs })), [1, 0, 0]);
  close(values(applyGate({ name: 'threshold', tau: 0.6 }, a, { step: 0, totalSteps: 1, sourceProbs: probs })), [1, 2, 0]);
  assert.throws(() => applyGate({ name: 'correct' }, a, { step: 0, totalSteps: 1 }), /source node's probabilities/);
});

test('gate option problems are reported', () => {
  const bad: GateSpec[] = [{ name: 'sine', f: 1.5, phi: 0 }, { name: 'sine', f: 0.5, phi: 5 }, { name: 'threshold', tau: 1.2 }];
  assert.match(gateProblems(bad[0]).join(), /frequency f must be in \[0, 1\], got 1.5/);
  assert.match(gateProblems(bad[1]).join(), /phase φ/);
  assert.match(gateProblems(bad[2]).join(), /τ must be in/);
  assert.deepEqual(gateProblems({ name: 'sine', f: 0.2, phi: 1 }), []);
});
