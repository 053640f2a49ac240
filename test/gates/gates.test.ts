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
  close(values(applyGate({ name: 'negative-linear' }, a, ctx)), [1.5, 3]);
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
  const probs = tf.tensor2d([
    [0.96, 0.04],
    [0.3, 0.7],
    [0.5, 0.5],
  ]);
  const labels = tf.tensor1d([0, 0, 1], 'int32');
  close(values(applyGate({ name: 'correct' }, a, { step: 0, totalSteps: 1, sourceProbs: probs, labels })), [1, 0, 0]);
  close(values(applyGate({ name: 'threshold', tau: 0.95 }, a, { step: 0, totalSteps: 1, sourceProbs: probs })), [1, 0, 0]);
  close(values(applyGate({ name: 'threshold', tau: 0.6 }, a, { step: 0, totalSteps: 1, sourceProbs: probs })), [1, 2, 0]);
  assert.throws(() => applyGate({ name: 'correct' }, a, { step: 0, totalSteps: 1 }), /source node's probabilities/);
});

test('gate option problems are reported', () => {
  const bad: GateSpec[] = [
    { name: 'sine', f: 1.5, phi: 0 },
    { name: 'sine', f: 0.5, phi: 5 },
    { name: 'threshold', tau: 1.2 },
  ];
  assert.match(gateProblems(bad[0]).join(), /frequency f must be in \[0, 1\], got 1.5/);
  assert.match(gateProblems(bad[1]).join(), /phase φ/);
  assert.match(gateProblems(bad[2]).join(), /τ must be in/);
  assert.deepEqual(gateProblems({ name: 'sine', f: 0.2, phi: 1 }), []);
});

test('cosine-ramp: ½(1 − cos πk/k_end), 0 → 1 smoothly, end to end from one registry record', async () => {
  const { gateNames, describeGate, gateColour, sampleGate } = await import('../../src/gates');
  const { parseGraphSpec } = await import('../../src/graph/spec');
  const { graphToDot } = await import('../../src/graph/dot');
  const { parseSearchSpace, sampleGraph } = await import('../../src/search/space');
  const { Rng } = await import('../../src/data/random');
  // hand values: k/k_end = 0, 1/4, 1/2, 1 → 0, (1 − √2/2)/2 = 0.1464…, 0.5, 1
  close(
    [0, 25, 50, 100].map((k) => gateFactor({ name: 'cosine-ramp' }, k, 100)!),
    [0, (1 - Math.SQRT1_2) / 2, 0.5, 1],
    1e-12,
  );
  close(values(applyGate({ name: 'cosine-ramp' }, tf.tensor1d([2, 4]), { step: 50, totalSteps: 100 })), [1, 2]);
  // the schema, the sampler, the summaries and the diagram know it without being told
  assert.ok(gateNames.includes('cosine-ramp'));
  const spec = parseGraphSpec({
    numClasses: 2,
    inputShape: [4, 4, 1],
    nodes: [{ model: 'cnn4', role: 'target' }, { model: 'cnn4' }],
    edges: [
      { source: 0, target: 1 },
      { source: 2, target: 1, gate: { name: 'cosine-ramp' } },
      { source: 0, target: 2 },
    ],
  });
  assert.equal(describeGate(spec.edges[1].gate), 'cosine-ramp');
  assert.match(graphToDot(spec), new RegExp(`n2 -> n1 \\[label="kl · cosine-ramp", color="${gateColour({ name: 'cosine-ramp' })}"`));
  assert.deepEqual(sampleGate(new Rng(1), ['cosine-ramp']), { name: 'cosine-ramp' });
  const space = parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn4'] }, { models: ['cnn4'] }], gates: ['cosine-ramp'] });
  assert.ok(sampleGraph(space, 3, { numClasses: 2, inputShape: [4, 4, 1] }).edges.every((e) => e.gate.name === 'cosine-ramp'));
});

test('old id spellings still load, rewritten, with one deprecation line each', async () => {
  const { upgradeIds, deprecationMessage } = await import('../../src/schema/ids');
  const heard: string[] = [];
  const spec = upgradeIds(
    { nodes: [{ model: 'abn_resnet20' }, { model: 'wrn28_2' }], edges: [{ gate: { name: 'negativeLinear' }, loss: 'kl' }], note: 'negativeLinear' },
    (old) => heard.push(old),
  );
  // the copy is made of null-prototype objects (a "__proto__" key stays a key): compare its content
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), {
    nodes: [{ model: 'abn-resnet20' }, { model: 'wrn28-2' }],
    edges: [{ gate: { name: 'negative-linear' }, loss: 'kl' }],
    note: 'negativeLinear',
  });
  assert.deepEqual(heard, ['abn_resnet20', 'wrn28_2', 'negativeLinear']);
  assert.equal(
    deprecationMessage('negativeLinear'),
    '[ktg] "negativeLinear" is deprecated: write "negative-linear" (ids are kebab-case; the old spelling is accepted until ktg 0.3)',
  );
  const { parseSearchSpace } = await import('../../src/search/space');
  assert.deepEqual(parseSearchSpace({ nodes: [{ role: 'target', models: ['wrn16_2'] }], gates: ['negativeLinear', 'through'] }).gates, [
    'negative-linear',
    'through',
  ]);
  const { parseGanSpace } = await import('../../src/gan/space');
  assert.deepEqual(parseGanSpace({ kind: 'gan', generators: 2, gates: ['negativeLinear'] }).gates, ['negative-linear']);
});

test('behaviour read from registry flags, not from ids: blocking, label-dependent, continuous, defaults, copying and label losses', async () => {
  const { gateNames, gateBlocks, gateDefinition, isContinuousGate, DEFAULT_TAU } = await import('../../src/gates');
  const { lossNames, copiesSource, labelLosses } = await import('../../src/losses/registry');
  assert.deepEqual(
    gateNames.filter((g) => gateBlocks({ name: g })),
    ['cutoff'],
  );
  assert.deepEqual(
    gateNames.filter((g) => gateDefinition(g).needsLabels),
    ['correct'],
  );
  assert.deepEqual(gateNames.filter(isContinuousGate), ['sine']);
  assert.deepEqual(
    gateNames.filter((g) => gateDefinition(g).defaults?.tau !== undefined),
    ['threshold'],
  );
  assert.equal(DEFAULT_TAU, 0.95);
  assert.deepEqual(lossNames.filter(copiesSource), ['ema']);
  assert.deepEqual(labelLosses, ['kl', 'ce']);
  // a threshold gate without τ weights by the registry's default: confidences 0.96 and 0.94 against τ = 0.95
  const probs = tf.tensor2d([
    [0.96, 0.04],
    [0.94, 0.06],
  ]);
  close(values(applyGate({ name: 'threshold' }, tf.tensor1d([1, 1]), { step: 0, totalSteps: 1, sourceProbs: probs })), [1, 0]);
});
