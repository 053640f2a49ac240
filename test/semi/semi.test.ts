import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { parseGraphSpec, trainGraph } from '../../src/graph';
import { crossEntropy, klDivergence } from '../../src/losses';
import { build, trainableVariables } from '../../src/models/model';
import { createModel } from '../../src/models/registry';
import { fixMatchGraph, meanTeacherGraph, piModelGraph, pseudoLabelGraph, semiNodeLosses, SemiOutputs, supervisedGraph, trainSemiGraph } from '../../src/semi';
import { toyData } from '../helpers/toy_data';
import { temporaryDir } from '../../src/data/temporary';

before(async () => initBackend({ backend: 'cpu', quiet: true }));
const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number], model: 'cnn8' };
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** a fixed batch: 4 labelled, 6 unlabelled in weak and strong views, through one model */
function fixedBatch() {
  const model = build(createModel('cnn8', { numClasses: 10, inputShape: [8, 8, 1], seed: 3 }));
  const x = tf.randomUniform([16, 8, 8, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
  const logits = tf.mul(model.apply(x, false).logits, 20) as tf.Tensor2D; // sharpen so that some weak predictions pass τ
  const [labelled, weak, strong] = tf.split(logits, [4, 6, 6]) as tf.Tensor2D[];
  return { out: { labelled, weak, strong } as SemiOutputs, labels: tf.tensor1d([1, 3, 5, 7], 'int32') };
}

test("FixMatch, Pi-model and Pseudo-Label as graphs give the direct implementations' losses on a fixed batch", () => {
  const { out, labels } = fixedBatch();
  const ce = tf.mean(crossEntropy(labels, out.labelled)).dataSync()[0];
  const pw = tf.softmax(out.weak) as tf.Tensor2D;
  const pseudo = tf.argMax(pw, 1) as tf.Tensor1D;
  const mask = tf.cast(tf.greater(tf.max(pw, 1), 0.95), 'float32');
  const maskSum = tf.sum(mask).dataSync()[0];
  assert.ok(maskSum > 0 && maskSum < 6, `the threshold keeps some but not all samples (${maskSum})`);
  const fixmatch = ce + tf.mean(tf.mul(mask, crossEntropy(pseudo, out.strong))).dataSync()[0];
  const pi = ce + tf.mean(klDivergence(pw, out.strong)).dataSync()[0];
  const pl = ce + tf.mean(crossEntropy(pseudo, out.strong)).dataSync()[0];
  const loss = (g: unknown) => semiNodeLosses(parseGraphSpec(g), [out], labels, 0, 10).node[0].dataSync()[0];
  close(loss(fixMatchGraph(base)), fixmatch);
  close(loss(piModelGraph(base)), pi);
  close(loss(pseudoLabelGraph(base)), pl);
  close(loss(supervisedGraph(base)), ce);
  // FixMatch written with a pseudo edge and a threshold gate (Eq 5.8) is the same loss
  const gated = parseGraphSpec({
    ...supervisedGraph(base),
    edges: [
      { source: 0, target: 1, loss: 'ce' },
      { source: 1, target: 1, loss: 'pseudo', gate: { name: 'threshold', tau: 0.95 } },
    ],
  });
  close(semiNodeLosses(gated, [out], labels, 0, 10).node[0].dataSync()[0], fixmatch);
});

test('Mean Teacher: the student gets CE + KL(p_ema(weak) ‖ p_student(strong)); the EMA node no loss', () => {
  const { out, labels } = fixedBatch();
  const s = fixedBatch().out;
  const teacher: SemiOutputs = {
    labelled: tf.mul(s.labelled, 0.5) as tf.Tensor2D,
    weak: tf.mul(s.weak, 0.5) as tf.Tensor2D,
    strong: tf.mul(s.strong, 0.5) as tf.Tensor2D,
  };
  const { node } = semiNodeLosses(parseGraphSpec(meanTeacherGraph(base)), [out, teacher], labels, 0, 10);
  const expected =
    tf.mean(crossEntropy(labels, out.labelled)).dataSync()[0] + tf.mean(klDivergence(tf.softmax(teacher.weak) as tf.Tensor2D, out.strong)).dataSync()[0];
  close(node[0].dataSync()[0], expected);
  assert.equal(node[1].dataSync()[0], 0);
});

test('an EMA node is α·(its copy of the start) + (1 − α)·(the student after the step), and is never trained by backprop', async () => {
  const data = { labelled: toyData(8, 1), unlabelled: toyData(8, 2), test: toyData(10, 3) };
  const alpha = 0.9;
  const result = await trainSemiGraph(meanTeacherGraph(base), data, {
    epochs: 1,
    labelledBatch: 4,
    unlabelledBatch: 8,
    learningRate: 0.1,
    emaDecay: alpha,
    seed: 0,
  });
  assert.equal(result.status, 'completed');
  const start = build(createModel('cnn8', { numClasses: 10, inputShape: [8, 8, 1], seed: 1 })); // the student's initial weights (seed 0·1000 + node seed 1)
  const [student, ema] = result.models;
  for (const [name, v] of ema.params.trainable) {
    const want = tf.add(tf.mul(start.params.trainable.get(name)!, alpha), tf.mul(student.params.trainable.get(name)!, 1 - alpha));
    const diff = tf.max(tf.abs(tf.sub(v, want))).dataSync()[0];
    assert.ok(diff < 1e-5, `${name}: ${diff}`);
  }
  // the student did move
  const moved = trainableVariables(student).some(
    (v) => tf.max(tf.abs(tf.sub(v, start.params.trainable.get([...student.params.trainable].find(([, x]) => x === v)![0])!))).dataSync()[0] > 1e-4,
  );
  assert.ok(moved);
});

test('FixMatch trains end to end on toy data without tensor growth; bad semi-supervised specs are named', async () => {
  const data = { labelled: toyData(20, 1), unlabelled: toyData(48, 2), test: toyData(20, 3) };
  let tensors = -1;
  const result = await trainSemiGraph(fixMatchGraph(base), data, {
    epochs: 2,
    labelledBatch: 8,
    unlabelledBatch: 16,
    learningRate: 0.05,
    onEpoch: (m) => {
      if (m.epoch === 1) tensors = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, tensors, 'tensor count grew over an epoch');
    },
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.history.length, 2);
  assert.throws(
    () => parseGraphSpec({ ...supervisedGraph(base), edges: [{ source: 1, target: 1, loss: 'kl' }] }),
    /edge 0 \(1→1, cnn8\): a self-loop needs a semi-supervised loss/,
  );
  assert.throws(
    () => parseGraphSpec({ ...meanTeacherGraph(base), nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn16' }] }),
    /an ema edge needs the same model at both ends, got cnn8 → cnn16/,
  );
  await assert.rejects(trainGraph(fixMatchGraph(base), { train: data.labelled, test: data.test }, { epochs: 1, batchSize: 8 }), /train it with trainSemiGraph/);
  await assert.rejects(
    trainSemiGraph(
      {
        ...piModelGraph(base),
        edges: [
          { source: 0, target: 1, loss: 'ce' },
          { source: 1, target: 1, loss: 'consistency', gate: { name: 'correct' } },
        ],
      },
      data,
      { epochs: 1, labelledBatch: 8, unlabelledBatch: 16 },
    ),
    /gate "correct" needs labels/,
  );
});

test('checkpoints: trainSemiGraph saves every trained and every EMA node (the option used to be accepted and ignored)', async () => {
  const fs = await import('fs');
  const os = await import('os');
  const path = await import('path');
  const dir = temporaryDir('semi-ckpt');
  const data = { labelled: toyData(8, 1), unlabelled: toyData(16, 2), test: toyData(10, 3) };
  const result = await trainSemiGraph(meanTeacherGraph(base), data, {
    epochs: 2,
    labelledBatch: 4,
    unlabelledBatch: 8,
    learningRate: 0.05,
    checkpoint: { dir, every: 1 },
  });
  assert.equal(result.status, 'completed');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['node1-cnn8-epoch1.ckpt', 'node1-cnn8-epoch2.ckpt', 'node2-cnn8-epoch1.ckpt', 'node2-cnn8-epoch2.ckpt']);
  // the saved EMA node is the returned one
  const { loadCheckpoint } = await import('../../src/models/checkpoint');
  const copy = build(createModel('cnn8', { numClasses: 10, inputShape: [8, 8, 1], seed: 5 }));
  loadCheckpoint(copy, path.join(dir, 'node2-cnn8-epoch2.ckpt'));
  for (const [name, v] of result.models[1].params.trainable) assert.equal(tf.max(tf.abs(tf.sub(v, copy.params.trainable.get(name)!))).dataSync()[0], 0, name);
  fs.rmSync(dir, { recursive: true });
});

test('a semi-supervised graph with nothing to learn (every edge cut, the node frozen) completes and only evaluates', async () => {
  process.env.KTG_PRETRAINED_DIR = 'off';
  try {
    const data = { labelled: toyData(20, 1), unlabelled: toyData(32, 2), test: toyData(20, 3) };
    const cut = { name: 'cutoff' as const };
    const spec = { ...fixMatchGraph(base), edges: fixMatchGraph(base).edges.map((e) => ({ ...e, gate: cut })) };
    const result = await trainSemiGraph(spec, data, { epochs: 2, labelledBatch: 8, unlabelledBatch: 16, learningRate: 0.05 });
    assert.equal(result.status, 'completed', result.error);
    assert.deepEqual(result.history[0].accuracy, result.history[1].accuracy);
  } finally {
    delete process.env.KTG_PRETRAINED_DIR;
  }
});
