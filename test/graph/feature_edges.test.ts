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
  const result = await trainGraph(
    spec,
    { train: toyData(48, 1), test: toyData(20, 2) },
    {
      epochs: 2,
      batchSize: 16,
      learningRate: 0.05,
      onEpoch: (m) => {
        if (m.epoch === 1) tensors = tf.memory().numTensors;
        else assert.equal(tf.memory().numTensors, tensors, 'tensor count grew over an epoch');
      },
    },
  );
  assert.equal(result.status, 'completed', result.error);
  for (const h of result.history) {
    assert.equal(h.edgeLoss.length, 8);
    h.edgeLoss.forEach((l, i) => assert.ok(Number.isFinite(l), `edge ${i}: ${l}`));
  }
  // the hint and map-pull losses are positive
  assert.ok(result.history[0].edgeLoss[1] > 0 && result.history[0].edgeLoss[4] > 0);
  // prob-push by hand on the trained nodes 1 → 3: p₁·p₃ / (‖p₁‖ ‖p₃‖) per sample
  const { perSampleEdgeLoss } = await import('../../src/training/edge_loss');
  const x = tf.tensor4d(
    Array.from(toyData(4, 5).images, (v) => v / 127.5 - 1),
    [4, 8, 8, 1],
  );
  const [o1, o3] = [result.models[0].apply(x, false), result.models[2].apply(x, false)];
  const rows = (t: tf.Tensor) => t.arraySync() as number[][];
  const softmax = (z: number[]) => z.map((v) => Math.exp(v - Math.max(...z))).map((e, _i, es) => e / es.reduce((a, b) => a + b, 0));
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
  const byHand = rows(o1.logits).map((z1, i) => {
    const [p1, p3] = [softmax(z1), softmax(rows(o3.logits)[i])];
    return dot(p1, p3) / Math.sqrt(dot(p1, p1) * dot(p3, p3));
  });
  const got = Array.from(
    perSampleEdgeLoss(spec.edges[7], { source: o1, target: o3, labels: tf.tensor1d([0, 1, 2, 3], 'int32'), numClasses: 10, step: 0, totalSteps: 1 }).dataSync(),
  );
  got.forEach((v, i) => assert.ok(Math.abs(v - byHand[i]) < 1e-5, `sample ${i}: ${v} vs ${byHand[i]}`));
  // the linear gate weights step k of 6 by k/6 and the similarity is in (0, 1]: epoch 1 (k = 0, 1, 2) averages
  // at most (0 + 1/6 + 2/6)/3 = 1/6, epoch 2 (k = 3, 4, 5) at most 2/3 (ungated, near-uniform outputs give ≈ 1)
  const [e1, e2] = result.history.map((h) => h.edgeLoss[7]);
  assert.ok(e1 > 0 && e1 <= 1 / 6 + 1e-6, `epoch 1: ${e1}`);
  assert.ok(e2 > e1 && e2 <= 2 / 3 + 1e-6, `epoch 2: ${e2}`);
});

test('fsp between models of different widths fails with a message naming the stage shapes', async () => {
  const spec = parseGraphSpec({
    ...base,
    nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn16' }],
    edges: [
      { source: 0, target: 1 },
      { source: 2, target: 1, loss: 'fsp' },
      { source: 0, target: 2 },
    ],
  });
  await assert.rejects(
    trainGraph(spec, { train: toyData(16, 1), test: toyData(8, 2) }, { epochs: 1, batchSize: 8 }),
    /FSP needs equal stage shapes: stage 1 is 8×8×16 vs 8×8×8/,
  );
});

test('both-pull / both-push add the probability and map terms (Eq 4.11); neg-kl is −KL', async () => {
  const { perSampleEdgeLoss } = await import('../../src/training/edge_loss');
  const { build } = await import('../../src/models/model');
  const { createModel } = await import('../../src/models/registry');
  const a = build(createModel('cnn8', { ...base, seed: 1 }));
  const b = build(createModel('cnn8', { ...base, seed: 2 }));
  const x = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
  const io = { source: a.apply(x, false), target: b.apply(x, false), labels: tf.tensor1d([0, 1, 2], 'int32'), numClasses: 10, step: 0, totalSteps: 1 };
  const edge = (loss: string) =>
    parseGraphSpec({ ...base, nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn8' }], edges: [{ source: 2, target: 1, loss, crops: [1] }] }).edges[0];
  const v = (loss: string) => Array.from(perSampleEdgeLoss(edge(loss), io).dataSync());
  v('both-pull').forEach((x, i) => assert.ok(Math.abs(x - (v('kl')[i] + v('map-pull')[i])) < 1e-5));
  v('both-push').forEach((x, i) => assert.ok(Math.abs(x - (v('prob-push')[i] + v('map-push')[i])) < 1e-5));
  v('neg-kl').forEach((x, i) => assert.ok(Math.abs(x + v('kl')[i]) < 1e-6));
  v('neg-map-pull').forEach((x, i) => assert.ok(Math.abs(x + v('map-pull')[i]) < 1e-6));
});

test('an ABN source is compared through its own attention map, and no gradient of the edge reaches the source', async () => {
  const { detachOutput, perSampleEdgeLoss } = await import('../../src/training/edge_loss');
  const { normalizedMapMse, spatialAttention } = await import('../../src/losses');
  const { build, trainableVariables } = await import('../../src/models/model');
  const { createModel } = await import('../../src/models/registry');
  const abn = (seed: number) => build(createModel('abn-resnet20', { numClasses: 10, inputShape: [8, 8, 1], seed }));
  const [a, b] = [abn(1), abn(2)];
  const x = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 4) as tf.Tensor4D;
  const edge = parseGraphSpec({
    ...base,
    nodes: [{ model: 'abn-resnet20', role: 'target' }, { model: 'abn-resnet20' }],
    edges: [{ source: 2, target: 1, loss: 'map-pull' }],
  }).edges[0];
  const source = a.apply(x, false);
  const target = b.apply(x, false);
  const detached = detachOutput(source);
  assert.deepEqual(Object.keys(detached).sort(), Object.keys(source).sort(), 'every part of the output survives detaching');
  const io = { target, labels: tf.tensor1d([0, 1, 2], 'int32'), numClasses: 10, step: 0, totalSteps: 1 };
  const got = Array.from(perSampleEdgeLoss(edge, { ...io, source: detached }).dataSync());
  const own = Array.from(normalizedMapMse(tf.squeeze(source.attention!, [3]) as tf.Tensor3D, tf.squeeze(target.attention!, [3]) as tf.Tensor3D).dataSync());
  got.forEach((v, i) => assert.ok(Math.abs(v - own[i]) < 1e-6, `sample ${i}: ${v} vs ${own[i]}`));
  // the old detaching dropped the ABN map: the source then fell back to Σ_c F² of its last stage (2×2 here, vs the target's own 4×4)
  assert.deepEqual(spatialAttention(source.features[source.features.length - 1]).shape, [3, 2, 2]);
  assert.throws(
    () => perSampleEdgeLoss(edge, { ...io, source: { logits: detached.logits, features: detached.features } }),
    /attention maps of different sizes: 2×2 and 4×4/,
  );
  // gradient flow: the edge trains its target only
  const vars = [...trainableVariables(a), ...trainableVariables(b)];
  const { grads } = tf.variableGrads(
    () => tf.mean(perSampleEdgeLoss(edge, { ...io, source: detachOutput(a.apply(x, true)), target: b.apply(x, true) })) as tf.Scalar,
    vars,
  );
  const norm = (vs: tf.Variable[]) => vs.reduce((s, v) => s + (grads[v.name] ? tf.sum(tf.abs(grads[v.name])).dataSync()[0] : 0), 0);
  assert.equal(norm(trainableVariables(a)), 0);
  assert.ok(norm(trainableVariables(b)) > 0);
});
