import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { distillTeachers, projectConflicts, trainGraph, vanillaGraph } from '../../src/graph';
import { build } from '../../src/models/model';
import { createModel } from '../../src/models/registry';
import { toyData } from '../helpers/toy_data';

before(async () => initBackend({ backend: 'cpu', quiet: true }));

test('a constructed conflicting pair is resolved exactly (PCGrad)', () => {
  const g1 = tf.tensor1d([1, 0]);
  const g2 = tf.tensor1d([-1, 1]);
  const { projected, conflicts } = projectConflicts([g1, g2]);
  // g1 − (g1·g2/‖g2‖²) g2 = [1, 0] + ½[−1, 1];  g2 − (g2·g1/‖g1‖²) g1 = [−1, 1] + [1, 0]
  assert.deepEqual(Array.from(projected[0].dataSync()), [0.5, 0.5]);
  assert.deepEqual(Array.from(projected[1].dataSync()), [0, 1]);
  assert.deepEqual(conflicts, [
    [0, 1],
    [1, 0],
  ]);
  // after surgery neither conflicts with the other's original gradient
  assert.ok(tf.sum(tf.mul(projected[0], g2)).dataSync()[0] >= -1e-7);
  assert.ok(tf.sum(tf.mul(projected[1], g1)).dataSync()[0] >= -1e-7);
  // non-conflicting gradients are left alone
  const same = projectConflicts([tf.tensor1d([1, 2]), tf.tensor1d([2, 1])]);
  assert.deepEqual(Array.from(same.projected[0].dataSync()), [1, 2]);
  assert.deepEqual(same.conflicts, [
    [0, 0],
    [0, 0],
  ]);
});

test('distilling teachers: ensemble KD, per-teacher KD + attention with surgery; conflict matrices are symmetric and counted', async () => {
  const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number] };
  const data = { train: toyData(48, 1), test: toyData(20, 2) };
  const teachers = [];
  for (const seed of [1, 2, 3])
    teachers.push((await trainGraph(vanillaGraph({ ...base, model: 'cnn8' }), data, { epochs: 1, batchSize: 16, learningRate: 0.05, seed })).models[0]);
  const student = () => build(createModel('cnn8', { ...base, seed: 9 }));
  const ensStudent = student();
  const ens = await distillTeachers(ensStudent, teachers, data, { knowledge: 'ensemble', temperature: 2, epochs: 1, batchSize: 16, learningRate: 0.05 });
  assert.equal(ens.history.length, 1);
  assert.equal(ens.models, ensStudent, 'the run result carries the trained student');
  assert.equal(ens.steps, 3);
  const tensors = tf.memory().numTensors;
  const per = await distillTeachers(student(), teachers, data, {
    knowledge: 'per-teacher',
    temperature: 2,
    attentionWeight: 10,
    surgery: true,
    epochs: 2,
    batchSize: 16,
    learningRate: 0.05,
  });
  assert.ok(tf.memory().numTensors <= tensors + 64, 'no per-step tensor leak');
  assert.equal(per.steps, 6);
  for (const m of [per.probabilityConflicts, per.attentionConflicts]) {
    m.forEach((row, i) =>
      row.forEach((v, j) => {
        assert.equal(v, m[j][i], 'symmetric');
        assert.ok(v >= 0 && v <= per.steps);
        if (i === j) assert.equal(v, 0);
      }),
    );
  }
  assert.ok(per.history.every((h) => h.accuracy >= 0 && h.accuracy <= 1 && Number.isFinite(h.loss)));
  // differently trained teachers pull the student apart: some steps have conflicting transfer gradients
  const total = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);
  assert.ok(total(per.probabilityConflicts) + total(per.attentionConflicts) > 0, 'conflicts are counted');
  // three copies of one teacher give three equal gradients per kind, and equal gradients never conflict (g·g ≥ 0)
  const same = await distillTeachers(student(), [teachers[0], teachers[0], teachers[0]], data, {
    knowledge: 'per-teacher',
    temperature: 2,
    attentionWeight: 10,
    surgery: true,
    epochs: 1,
    batchSize: 16,
    learningRate: 0.05,
  });
  assert.equal(total(same.probabilityConflicts) + total(same.attentionConflicts), 0);
  // without surgery nothing is projected and nothing counted
  const plain = await distillTeachers(student(), teachers, data, {
    knowledge: 'per-teacher',
    temperature: 2,
    attentionWeight: 10,
    surgery: false,
    epochs: 1,
    batchSize: 16,
    learningRate: 0.05,
  });
  assert.equal(total(plain.probabilityConflicts) + total(plain.attentionConflicts), 0);
  assert.deepEqual([ens.status, per.status, same.status, plain.status], ['completed', 'completed', 'completed', 'completed']);
});

test('a NaN in distillation ends the run as diverged, like every other trainer', async () => {
  const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number] };
  const data = { train: toyData(48, 1), test: toyData(20, 2) };
  const teacher = build(createModel('cnn8', { ...base, seed: 1 }));
  // a teacher whose weights are NaN gives NaN logits, so the distillation loss is NaN at the first step
  for (const v of teacher.params.trainable.values()) v.assign(tf.fill(v.shape, NaN));
  for (const surgery of [false, true]) {
    const r = await distillTeachers(build(createModel('cnn8', { ...base, seed: 9 })), [teacher, teacher], data, {
      knowledge: 'per-teacher',
      temperature: 2,
      attentionWeight: surgery ? 10 : 0,
      surgery,
      epochs: 2,
      batchSize: 16,
      learningRate: 0.05,
    });
    assert.equal(r.status, 'diverged');
    assert.match(r.error!, /the distillation loss became NaN at epoch 1, step 1/);
    assert.equal(r.history.length, 0, 'no epoch finished');
  }
});
