/** The one GAN/classifier switch (search/kinds/kind_id.ts): kinds, objectives, presets, settings checks, legacy rows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindConfigProblems, kindIdOf, objectiveOf } from '../../src/search/kinds/kind_id';
import { searchPresetFor } from '../../src/search/kinds/kind_presets';
import { legacyMetrics } from '../../src/search/kinds/legacy_metrics';
import { ganSearchPresets, searchPresets } from '../../src/search/presets';

const ganSpace = { kind: 'gan', generators: 2, gates: ['through'], transfers: ['images'] };
const graphSpace = { nodes: [{ role: 'target', models: ['cnn4'] }, { models: ['cnn4'] }] };

test('the kind of a study, and what its value means and how it prints', () => {
  assert.equal(kindIdOf({ space: ganSpace }), 'gan');
  assert.equal(kindIdOf({ space: graphSpace }), 'classifier');
  assert.equal(kindIdOf({ space: graphSpace, semi: { labelled: 100 } }), 'semi-supervised');
  // a GAN study's value is an IS, never a percentage (run_search printed "102.30 %" for IS 1.023)
  assert.equal(objectiveOf({ space: ganSpace, metric: 'best-is' }).format(1.023), 'IS 1.023');
  assert.equal(objectiveOf({ space: graphSpace, metric: 'target' }).format(0.5234), '52.34 %');
  assert.equal(objectiveOf({ space: graphSpace, metric: 'ensemble' }).name, 'ensemble accuracy');
  assert.equal(objectiveOf({ space: ganSpace, metric: 'best-is' }).format(NaN), '—');
});

test('settings a kind needs or refuses, its presets and its legacy metric names', () => {
  assert.deepEqual(kindConfigProblems({ space: ganSpace, metric: 'target', semi: {} }), [
    'gan: a GAN space needs GAN settings (gan.stepsPerEpoch, …)',
    'metric: a GAN space is scored by "best-is", not "target"',
    'semi: GAN studies are not semi-supervised',
  ]);
  assert.deepEqual(kindConfigProblems({ space: graphSpace, metric: 'best-is' }), ['metric: "best-is" needs a GAN space (kind: "gan")']);
  assert.deepEqual(kindConfigProblems({ space: ganSpace, metric: 'best-is', gan: {} }), []);
  assert.deepEqual(searchPresetFor(graphSpace, 'ci'), searchPresets.ci);
  const gan = searchPresetFor(ganSpace, 'cpu');
  assert.equal(gan.metric, 'best-is');
  assert.deepEqual(gan.gan, ganSearchPresets.cpu.gan);
  assert.equal(gan.learningRate, searchPresets.cpu.learningRate, 'what the GAN preset leaves out comes from the classifier preset');
  const old = { accuracy: [1.5, 1.6], ensembleAccuracy: 0, nodeLoss: [30, 31], edgeLoss: [0.7, 0.8, 0.9] };
  assert.deepEqual(legacyMetrics({ space: ganSpace }, old), { is: [1.5, 1.6], fid: [30, 31], dLoss: [0.7], gLoss: [0.8, 0.9] });
  assert.deepEqual(legacyMetrics(undefined, { ...old, ensembleAccuracy: 0.4 }), {
    accuracy: [1.5, 1.6],
    ensembleAccuracy: [0.4],
    nodeLoss: [30, 31],
    edgeLoss: [0.7, 0.8, 0.9],
  });
});
