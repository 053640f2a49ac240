import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { parseGraphSpec, GraphSpecError, graphToDot, describeGraph, dmlGraph, kdGraph, frozenNodes, trainGraph } from '../../src/graph';
import { gatedEdgeLoss } from '../../src/training';
import { distillation, crossEntropy } from '../../src/losses';
import { SmallCnn } from '../../src/models/small_cnn';
import { build, trainableVariables } from '../../src/models/model';
import { stopGradient } from '../../src/tensor/stop_gradient';
import { toyData } from '../helpers/toy_data';

before(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});

const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number] };

test('invalid specs name the offending node or edge', () => {
  const bad = {
    ...base,
    nodes: [{ model: 'cnn8', role: 'target' }, { model: 'vgg99' }],
    edges: [
      { source: 1, target: 0 },
      { source: 2, target: 2 },
      { source: 1, target: 2, gate: { name: 'sine', f: 2, phi: 0 } },
      { source: 0, target: 1, loss: 'at' },
    ],
  };
  try {
    parseGraphSpec(bad);
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof GraphSpecError);
    const text = err.problems.join('\n');
    assert.match(text, /node 2 \(vgg99\): unknown model "vgg99"/);
    assert.match(text, /edge 0 \(1→0\): edges cannot point to node 0/);
    assert.match(text, /edge 1 \(2→2, vgg99\): a self-loop needs a semi-supervised loss/);
    assert.match(text, /edge 2 \(1→2, vgg99\): sine frequency f must be in \[0, 1\], got 2/);
    assert.match(text, /edge 3 \(0→1, cnn8\): the label node only supports/);
  }
  assert.throws(() => parseGraphSpec({ ...base, nodes: [], edges: [] }), /nodes/);
  assert.throws(() => parseGraphSpec({ ...base, nodes: [{ model: 'cnn8' }], edges: [] }), /exactly one node must have role "target"/);
  assert.throws(
    () => parseGraphSpec({ ...base, nodes: [{ model: 'cnn8', role: 'target' }], edges: [{ source: 0, target: 1, gate: { name: 'teleport' } }] }),
    /edges\.0\.gate\.name/,
  );
});

test('specs round-trip through JSON, render to DOT and summarise', () => {
  const spec = parseGraphSpec(kdGraph({ ...base, student: 'cnn8', teacher: 'cnn16', temperature: 4 }));
  assert.deepEqual(parseGraphSpec(JSON.parse(JSON.stringify(spec))), spec);
  assert.deepEqual(frozenNodes(spec), [2]);
  const dot = graphToDot(spec);
  assert.match(dot, /n2 -> n1 \[label="kd · through"/);
  assert.doesNotMatch(dot, /n1 -> n2/); // cut edges hidden
  assert.match(dot, /pretrained, frozen/);
  assert.match(describeGraph(spec), /node 2: cnn16 \[auxiliary, pretrained, frozen\]/);
});

test('KD as a graph gives the same student update as direct KD; the source gets no gradient', () => {
  const student = build(new SmallCnn({ numClasses: 10, inputShape: [8, 8, 1], width: 4, stages: 2, seed: 1 }));
  const teacher = build(new SmallCnn({ numClasses: 10, inputShape: [8, 8, 1], width: 4, stages: 2, seed: 2 }));
  const x = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
  const spec = parseGraphSpec(kdGraph({ ...base, student: 'cnn8', teacher: 'cnn8', temperature: 3 }));
  const vars = [...trainableVariables(student), ...trainableVariables(teacher)];
  const viaGraph = tf.variableGrads(() => {
    const s = student.apply(x, true);
    const t = teacher.apply(x, false);
    const detached = { logits: stopGradient(t.logits), features: t.features.map((f) => stopGradient(f)) };
    return tf.add(
      gatedEdgeLoss(spec.edges[0], { target: s, labels, numClasses: 10, step: 0, totalSteps: 10 }),
      gatedEdgeLoss(spec.edges[1], { source: detached, target: s, labels, numClasses: 10, step: 0, totalSteps: 10 }),
    ) as tf.Scalar;
  }, vars);
  const direct = tf.variableGrads(() => {
    const s = student.apply(x, true);
    const t = tf.softmax(tf.div(teacher.apply(x, false).logits, 3));
    const kd = tf.mean(tf.mul(tf.sum(tf.mul(t, tf.sub(tf.log(t), tf.logSoftmax(tf.div(s.logits, 3)))), 1), 9));
    return tf.add(tf.mean(crossEntropy(labels, s.logits)), kd) as tf.Scalar;
  }, trainableVariables(student));
  for (const v of trainableVariables(student)) {
    const a = viaGraph.grads[v.name].dataSync();
    const b = direct.grads[v.name].dataSync();
    a.forEach((g, i) => assert.ok(Math.abs(g - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `${v.name}[${i}]: ${g} vs ${b[i]}`));
  }
  // the teacher (source of the KD edge) receives exactly zero gradient
  for (const v of trainableVariables(teacher)) {
    const g = viaGraph.grads[v.name];
    assert.ok(g == null || g.dataSync().every((e) => e === 0), `${v.name} got gradient`);
  }
  assert.ok(distillation(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2]]), 2).dataSync()[0] < 1e-6);
});

test('DML with two identical-seed nodes stays symmetric, and training leaks no tensors', async () => {
  const spec = dmlGraph({ ...base, models: ['cnn8', 'cnn8'] });
  spec.nodes.forEach((n) => (n.seed = 7));
  const data = { train: toyData(64, 1), test: toyData(40, 2) };
  let before = -1;
  const result = await trainGraph(spec, data, {
    epochs: 2,
    batchSize: 16,
    learningRate: 0.05,
    onEpoch: (m) => {
      if (m.epoch === 1) before = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, before, 'tensor count grew over an epoch');
    },
  });
  assert.equal(result.status, 'completed');
  const [a, b] = result.models.map((m) => trainableVariables(m).map((v) => Array.from(v.dataSync())));
  a.forEach((va, i) => va.forEach((x, j) => assert.ok(Math.abs(x - b[i][j]) < 1e-6, 'DML nodes diverged from each other')));
  const h = result.history[1];
  assert.equal(h.accuracy[0], h.accuracy[1]);
});

test('a diverging run stops with status "diverged"', async () => {
  const spec = dmlGraph({ ...base, models: ['cnn8'] });
  const result = await trainGraph(
    spec,
    { train: toyData(32, 1), test: toyData(10, 2) },
    { epochs: 2, batchSize: 16, learningRate: 1e30, schedule: 'constant' },
  );
  assert.equal(result.status, 'diverged');
  assert.match(result.error ?? '', /edge \d+ \(\d→\d, \w+\): loss (NaN|Infinity|-Infinity) is not finite at epoch \d+, step \d+/);
});

test('a graph with nothing to learn (every edge cut, every node frozen) completes: its frozen label-only models are evaluated, not stepped', async () => {
  // a search can sample this graph; it used to fail in variableGrads ("none of the 0 variables is trainable")
  process.env.KTG_PRETRAINED_DIR = 'off';
  try {
    const spec = parseGraphSpec({
      ...base,
      nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn4' }],
      edges: [
        { source: 0, target: 1, loss: 'ce', gate: { name: 'cutoff' } },
        { source: 2, target: 1, loss: 'kl', gate: { name: 'cutoff' } },
        { source: 0, target: 2, loss: 'ce', gate: { name: 'cutoff' } },
        { source: 1, target: 2, loss: 'kl', gate: { name: 'cutoff' } },
      ],
    });
    assert.deepEqual(frozenNodes(spec), [1, 2]);
    const data = { train: toyData(48, 1), test: toyData(40, 2) };
    const result = await trainGraph(spec, data, { epochs: 2, batchSize: 16, learningRate: 0.05 });
    assert.equal(result.status, 'completed', result.error);
    assert.equal(result.history.length, 2);
    // frozen: both epochs evaluate the same weights
    assert.deepEqual(result.history[0].accuracy, result.history[1].accuracy);
    assert.ok(Number.isFinite(result.targetAccuracy));
    // and a cut edge contributes a zero loss
    result.history.forEach((h) => h.edgeLoss.forEach((l) => assert.equal(l, 0)));
  } finally {
    delete process.env.KTG_PRETRAINED_DIR;
  }
});
