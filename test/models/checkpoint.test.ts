import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { fingerprint, subset } from '../../src/data/dataset';
import { loadDataset } from '../../src/data/registry';
import { kdGraph } from '../../src/graph/methods';
import { disposeModels, trainGraph } from '../../src/graph/trainer';
import { loadCheckpoint, saveCheckpoint } from '../../src/models/checkpoint';
import { build } from '../../src/models/model';
import { createModel } from '../../src/models/registry';
import { temporaryDir } from '../../src/data/temporary';

before(async () => initBackend({ quiet: true }));
const shape: [number, number, number] = [28, 28, 1];

test('a checkpoint restores weights and batch-norm statistics exactly; a wrong model is refused', async () => {
  const file = path.join(temporaryDir('ckpt'), 'm.ckpt');
  const a = build(createModel('cnn8', { numClasses: 10, inputShape: shape, seed: 1 }));
  // move the BN running statistics away from their initial values
  tf.tidy(() => {
    a.apply(tf.randomNormal([8, ...shape], 0, 1, 'float32', 3) as tf.Tensor4D, true);
  });
  saveCheckpoint(a, file, { note: 'test' });
  const b = build(createModel('cnn8', { numClasses: 10, inputShape: shape, seed: 2 }));
  const x = tf.randomNormal([4, ...shape], 0, 1, 'float32', 5) as tf.Tensor4D;
  assert.notDeepEqual(Array.from(b.apply(x, false).logits.dataSync()), Array.from(a.apply(x, false).logits.dataSync()));
  assert.deepEqual(loadCheckpoint(b, file), { note: 'test' });
  assert.deepEqual(Array.from(b.apply(x, false).logits.dataSync()), Array.from(a.apply(x, false).logits.dataSync()));
  const other = build(createModel('cnn16', { numClasses: 10, inputShape: shape, seed: 1 }));
  assert.throws(() => loadCheckpoint(other, file), /holds a cnn8, not a cnn16/);
});

test('frozen pretrained teachers are cached on disk by training-set content and reused', async () => {
  const dir = temporaryDir('pretrained');
  process.env.KTG_PRETRAINED_DIR = dir;
  try {
    const all = await loadDataset('fashion-mnist');
    const idx = Int32Array.from({ length: 256 }, (_, i) => i);
    const data = { train: subset(all.train, idx), test: subset(all.test, idx.subarray(0, 128)) };
    const spec = kdGraph({ numClasses: 10, inputShape: shape, student: 'cnn8', teacher: 'cnn8' });
    const options = { epochs: 1, batchSize: 64, learningRate: 0.05 };
    const first = await trainGraph(spec, data, options);
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.ckpt')).length, 1);
    // a new object with the same samples: no in-memory hit, the disk copy is used
    const again = { train: subset(all.train, idx), test: data.test };
    assert.equal(fingerprint(again.train), fingerprint(data.train));
    const second = await trainGraph(spec, again, options);
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.ckpt')).length, 1);
    assert.deepEqual(second.history[0].accuracy, first.history[0].accuracy, 'same teacher, same student run');
    // another subset gets its own teacher
    const other = {
      train: subset(
        all.train,
        Int32Array.from({ length: 256 }, (_, i) => i + 256),
      ),
      test: data.test,
    };
    assert.notEqual(fingerprint(other.train), fingerprint(data.train));
    disposeModels(await trainGraph(spec, other, options));
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.ckpt')).length, 2);
    disposeModels(first);
    disposeModels(second);
  } finally {
    delete process.env.KTG_PRETRAINED_DIR;
  }
});

test('trainGraph writes checkpoints of its learning nodes, and refuses data that does not match the spec', async () => {
  const dir = temporaryDir('train-ckpt');
  const all = await loadDataset('fashion-mnist');
  const idx = Int32Array.from({ length: 128 }, (_, i) => i);
  const data = { train: subset(all.train, idx), test: subset(all.test, idx.subarray(0, 64)) };
  const spec = kdGraph({ numClasses: 10, inputShape: shape, student: 'cnn8', teacher: 'cnn16' });
  const result = await trainGraph(spec, data, { epochs: 2, batchSize: 64, learningRate: 0.05, checkpoint: { dir: dir, every: 1 } });
  // the frozen teacher (node 2) is not saved, neither by this run nor by its on-demand pretraining
  assert.deepEqual(fs.readdirSync(dir).sort(), ['node1-cnn8-epoch1.ckpt', 'node1-cnn8-epoch2.ckpt']);
  const restored = build(createModel('cnn8', { numClasses: 10, inputShape: shape, seed: 9 }));
  assert.deepEqual(loadCheckpoint(restored, path.join(dir, 'node1-cnn8-epoch2.ckpt')), { node: 1, epoch: 2 });
  const x = tf.zeros([1, ...shape]) as tf.Tensor4D;
  assert.deepEqual(Array.from(restored.apply(x, false).logits.dataSync()), Array.from(result.models[0].apply(x, false).logits.dataSync()));
  await assert.rejects(trainGraph({ ...spec, numClasses: 100 }, data, { epochs: 1, batchSize: 64 }), /the graph has 100 classes but the train set .* has 10/);
  await assert.rejects(
    trainGraph({ ...spec, inputShape: [32, 32, 3] }, data, { epochs: 1, batchSize: 64 }),
    /expects 32×32×3 inputs but the train set .* has 28×28×1/,
  );
});
