/** Edges with feature-map losses (FitNets hint, FSP, attention-map pull/push with crops) and push losses train end to end. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { parseGraphSpec, trainGraph } from '../../src/graph';
import { toyData } from '../helpers/toy_data';

before(async () => initBackend({ backend: 'cpu', quiet: true }));

const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number] };

test('hint, fsp, map-pull (cropped), map-push and prob-push edges train, with finite per-edge losses and no tensor growth', async () => {
  const spec = parseGraphSpec({
    ...base,
    nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn16' }, { model: 'cnn8' }],
    edges: [
      { source: 0, target: 1, loss: 'ce' },
      { source: 2, target: 1, loss: 'hint' },
      { source: 3, target: 1, loss: 'fsp' },
      { source: 0, target: 2, loss: 'ce' },
      { source: 1, target: 2, loss: 'map-pull', crops: [1, 3] },
      { source: 0, target: 3, loss: 'ce' },
      { source: 2, target: 3, loss: 'map-push' },
      { source: 1, target: 3, loss: 'prob-push', gate: { name: 'linear' } },
    ],
  });
  let tensors = -1;
  const result = await trainGraph(spec, { train: toyData(48, 1), test: toyData(20, 2) }, {
    epochs: 2,
    batchSize: 16,
    learningRate: 0.05,
    onEpoch: (m) => {
      if (m.epoch === 1) tensors = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, tensors, 'tensor count grew over an epoch');
    },
  });
  assert.equal(result.status, 'completed', result.error);
  for (const h of result.history) {
    assert.equal(h.edgeLoss.length, 8);
    h.edgeLoss.forEach((l, i) => assert.ok(Number.isFinite(l), `edge ${i}: ${l}`));
  }
  // the hint and map-pull losses are positive; prob-push (cosine of probabilities) lies in [0, 1]
  assert.ok(result.history[0].edgeLoss[1] > 0 && result.history[0].edgeLoss[4] > 0);
  assert.ok(result.history[1].edgeLoss[7] >= 0 && result.history[1].edgeLoss[7] <= 1);
});

test('fsp between models of different widths fails with a message naming the stage shapes', async () => {
  const spec = parseGraphSpec({ ...base, nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn16' }], edges: [{ source: 0, target: 1 }, { source: 2, target: 1, loss: 'fsp' }, { source: 0, target: 2 }] });
  await assert.rejects(trainGraph(spec, { train: toyData(16, 1), test: toyData(8, 2) }, { epochs: 1, batchSize: 8 }), /FSP needs equal stage shapes: stage 1 is 8×8×16 vs 8×8×8/);
});

test('both-pull / both-push add the probability and map terms (Eq 4.11); neg-kl is −KL', async () => {
  const { perSampleEdgeLoss } = await import('../../src/graph/edge_loss');
  const { build } = await import('../../src/models/model');
  const { createModel } = await import('../../src/models/registry');
  const a = build(createModel('cnn8', { ...base, seed: 1 }));
  const b = build(createModel('cnn8', { ...base, seed: 2 }));
  const x = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
  const io = { source: a.apply(x, false), target: b.apply(x, false), labels: tf.tensor1d([0, 1, 2], 'int32'), numClasses: 10, step: 0, totalSteps: 1 };
  const edge = (loss: string) => parseGraphSpec({ ...base, nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn8' }], edges: [{ source: 2, target: 1, loss, crops: [1] }] }).edges[0];
  const v = (loss: string) => Array.from(perSampleEdgeLoss(edge(loss), io).dataSync());
  v('both-pull').forEach((x, i) => assert.ok(Math.abs(x - (v('kl')[i] + v('map-pull')[i])) < 1e-5));
  v('both-push').forEach((x, i) => assert.ok(Math.abs(x - (v('prob-push')[i] + v('map-push')[i])) < 1e-5));
  v('neg-kl').forEach((x, i) => assert.ok(Math.abs(x + v('kl')[i]) < 1e-6));
  v('neg-map-pull').forEach((x, i) => assert.ok(Math.abs(x + v('map-pull')[i]) < 1e-6));
});
