/**
 * Sample scoring with the library's metric classifier on real Fashion-MNIST, loading a feature
 * network from disk, the GAN gate space, and a GAN gate search run by a real worker on SQLite.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend';
import { subset } from '../../src/data/dataset';
import { loadDataset } from '../../src/data/registry';
import { toTensor } from '../../src/data/batches';
import { createScorer, ganSpaceSize, loadFeatureNetwork, metricClassifier, parseGanSpace, sampleCoGan } from '../../src/gan';
import { parseStudyConfig } from '../../src/search/study_config';
import { createOrResumeStudy, readStudy } from '../../src/search/study';
import { openStorage } from '../../src/search/storage/open';
import { asCoGanSpec, asGraphSpec } from '../../src/search/kinds';
import { vanillaGraph } from '../../src/graph/methods';
import { describeGraph, parseGanGraphSpec, parseGraphSpec } from '../../src/graph/spec';
import { graphToDot } from '../../src/graph/dot';
import { runWorker } from '../../src/search/worker';
import { tempDir } from '../search/helpers';

before(async () => initBackend({ backend: 'wasm', threads: 2, quiet: true }));
const range = (n: number, from = 0) => Int32Array.from({ length: n }, (_, i) => from + i);

test('metric classifier on real Fashion-MNIST: a real split scores like the reference (IS) at near-zero FID; collapsed and noise images score badly; the classifier is cached on disk', async () => {
  const dir = tempDir('metric');
  process.env.KTG_PRETRAINED_DIR = dir;
  try {
    const { train, test: testSet } = await loadDataset('fashion-mnist');
    const data = { train: subset(train, range(3000), 'fm3k'), test: subset(testSet, range(1000), 'fm-test-a') };
    const first = await metricClassifier(data, { model: 'cnn8', epochs: 3 });
    assert.ok(first.testAccuracy > 0.7, `metric classifier accuracy ${first.testAccuracy}`);
    assert.match(first.network.name, /cnn8 trained on fm3k .*not Inception/);
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.ckpt')).length, 1, 'the classifier is written to the cache');
    const again = await metricClassifier({ train: data.train, test: data.test }, { model: 'cnn8', epochs: 3 });
    assert.equal(again.testAccuracy, first.testAccuracy);

    const scorer = createScorer(first.network, data.test);
    const otherReal = toTensor(testSet, range(1000, 1000));
    const real = scorer.score(otherReal);
    // another real split: the IS a perfect generator would get, and a tiny FID
    assert.ok(
      Math.abs(real.inceptionScore - scorer.realInceptionScore) < 0.1 * scorer.realInceptionScore,
      `${real.inceptionScore} vs ${scorer.realInceptionScore}`,
    );
    assert.ok(scorer.realInceptionScore > 3, `real IS ${scorer.realInceptionScore}`);
    assert.ok(real.fid < 0.3, `real FID ${real.fid}`);
    // a collapsed generator: one image with a little noise; and pure noise
    const collapsed = tf.tidy(() =>
      tf.add(tf.tile(tf.slice(otherReal, [0, 0, 0, 0], [1, -1, -1, -1]), [1000, 1, 1, 1]), tf.randomNormal([1000, 28, 28, 1], 0, 0.05, 'float32', 1)),
    ) as tf.Tensor4D;
    const noise = tf.randomUniform([1000, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
    for (const [name, images] of [
      ['collapsed', collapsed],
      ['noise', noise],
    ] as const) {
      const s = scorer.score(images);
      assert.ok(s.inceptionScore < 1.5, `${name} IS ${s.inceptionScore}`);
      assert.ok(s.fid > 20 * real.fid && s.fid > 3, `${name} FID ${s.fid} vs real ${real.fid}`);
    }
    // images of another size are resized to the classifier's input (a 28→32→28 round trip blurs a little)
    const big = tf.image.resizeBilinear(otherReal, [32, 32]) as tf.Tensor4D;
    const resized = scorer.score(big);
    assert.ok(resized.inceptionScore > 0.7 * real.inceptionScore && resized.fid < 2, `${resized.inceptionScore} vs ${real.inceptionScore}, FID ${resized.fid}`);
    tf.dispose([otherReal, collapsed, noise, big]);
  } finally {
    delete process.env.KTG_PRETRAINED_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a feature network (e.g. Inception) in TensorFlow.js layers format loads from a directory; grey images are tiled to RGB', async () => {
  const dir = tempDir('inception');
  const net = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tfl.layers.globalAveragePooling2d({ name: 'pool' }),
      tfl.layers.dense({ units: 5, name: 'logits' }),
    ],
  });
  await net.save(
    tf.io.withSaveHandler(async (artifacts) => {
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await loadFeatureNetwork(dir, { inputShape: [12, 12, 3], featuresLayer: 'pool', name: 'toy network' });
  const grey = tf.randomUniform([23, 12, 12, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
  const out = loaded.outputs(grey);
  assert.equal(loaded.classes, 5);
  assert.equal(out.dim, 6);
  assert.equal(out.probs.length, 23 * 5);
  const want = tf.softmax(net.predict(tf.tile(grey, [1, 1, 1, 3])) as tf.Tensor2D).dataSync();
  out.probs.forEach((p, i) => assert.ok(Math.abs(p - want[i]) < 1e-5));
  await assert.rejects(loadFeatureNetwork(tempDir('empty')), /no model.json/);
});

test('GAN gate space: size formula, seeded sampling, errors name the field; study settings must match the space', () => {
  const space = parseGanSpace({ kind: 'gan', generators: 3, gates: ['through', 'cutoff', 'linear', 'negative-linear'], transfers: ['images', 'output-side'] });
  assert.equal(ganSpaceSize(space).formula, '4^6 · 2^6');
  assert.equal(ganSpaceSize(space).discrete, 4 ** 6 * 2 ** 6);
  const a = sampleCoGan(space, 7);
  assert.deepEqual(a, sampleCoGan(space, 7));
  assert.notDeepEqual(a, sampleCoGan(space, 8));
  // three adversarial edges (through, the default candidate), then six transfer edges
  assert.equal(a.edges.length, 9);
  assert.ok(a.edges.slice(0, 3).every((e, i) => e.source === 0 && e.target === i + 1 && e.loss === 'adversarial' && e.gate.name === 'through'));
  assert.ok(a.edges.slice(3).every((e) => e.source !== e.target && e.source > 0 && ['images', 'output-side'].includes(e.loss)));
  assert.deepEqual(asCoGanSpec(a), a);
  assert.throws(() => asGraphSpec(a), /trains a GAN graph of 3 generator\(s\), not a classifier graph/);
  const graph = parseGraphSpec(vanillaGraph({ model: 'cnn8', numClasses: 10, inputShape: [28, 28, 1] }));
  assert.deepEqual(asGraphSpec(graph), graph);
  assert.throws(() => asCoGanSpec(graph), /classifier graph of 1 model node\(s\)/);
  assert.match(describeGraph(a), /G1: adversarial · through/);
  // one diagram for both kinds: D feeds each generator's adversarial edge, cut transfer edges hidden
  const dot = graphToDot(
    parseGanGraphSpec({
      generators: 2,
      edges: [
        { source: 1, target: 2, kind: 'images', gate: { name: 'linear' } },
        { source: 2, target: 1, kind: 'images', gate: { name: 'cutoff' } },
      ],
    }),
  );
  assert.match(dot, /n0 \[label="D \(3 classes\)"/);
  assert.match(dot, /n0 -> n1 \[label="adversarial · through"/);
  assert.match(dot, /n1 -> n2 \[label="images · linear"/);
  assert.doesNotMatch(dot, /n2 -> n1/);
  assert.throws(() => parseGanSpace({ kind: 'gan', generators: 2, gates: ['through'], transfers: ['pixels'] }), /transfers\.0/);
  const base = { dataset: 'fashion-mnist', trials: 2, validationSize: 100, epochs: 2, batchSize: 8 };
  assert.throws(() => parseStudyConfig({ ...base, space, gan: { stepsPerEpoch: 2 } }), /metric: a GAN space is scored by "best-is"/);
  assert.throws(() => parseStudyConfig({ ...base, space, metric: 'best-is' }), /gan: a GAN space needs GAN settings/);
  assert.throws(
    () => parseStudyConfig({ ...base, space: { nodes: [{ role: 'target', models: ['cnn8'] }], gates: ['through'] }, metric: 'best-is' }),
    /"best-is" needs a GAN space/,
  );
});

test('GAN gate search: a worker co-trains sampled generators, records IS and FID per generator each epoch, and ASHA prunes on the best IS', async () => {
  const dir = tempDir('gan-search');
  const url = `sqlite://${path.join(dir, 'studies.db')}`;
  process.env.KTG_PRETRAINED_DIR = path.join(dir, 'pretrained');
  const storage = openStorage(url);
  try {
    await createOrResumeStudy(storage, 'gan', {
      space: { kind: 'gan', generators: 2, gates: ['through', 'cutoff', 'linear'], transfers: ['images', 'output-side'] },
      dataset: 'fashion-mnist',
      trials: 4,
      trainSize: 400,
      validationSize: 200,
      epochs: 2,
      batchSize: 16,
      metric: 'best-is',
      gan: { zDim: 16, baseWidth: 8, stepsPerEpoch: 3, samples: 100, metricModel: 'cnn8', metricEpochs: 1 },
      pruner: { kind: 'asha', minResource: 1, reductionFactor: 2 },
    });
    assert.equal(await runWorker(storage, 'gan'), 4);
    const data = await readStudy(storage, 'gan');
    assert.equal(
      data.trials.filter((t) => t.status === 'completed').length + data.trials.filter((t) => t.status === 'pruned').length,
      4,
      data.trials.map((t) => t.error).join('; '),
    );
    assert.ok(
      data.trials.some((t) => t.status === 'pruned'),
      'ASHA stopped at least one trial after epoch 1',
    );
    for (const t of data.trials) {
      const spec = asCoGanSpec(t.spec);
      assert.ok(spec.nodes.length === 2 && spec.edges.filter((e) => e.source > 0).length === 2);
      const rows = data.epochs.filter((e) => e.trial === t.number);
      assert.equal(rows.length, t.lastEpoch);
      for (const r of rows) {
        assert.deepEqual(Object.keys(r.metrics).sort(), ['dLoss', 'fid', 'gLoss', 'is']);
        assert.equal(r.metrics.is.length, 2);
        assert.equal(r.value, Math.max(...r.metrics.is));
        assert.ok(
          r.metrics.is.every((is) => is >= 1 && is <= 10),
          `IS ${r.metrics.is}`,
        );
        assert.ok(
          r.metrics.fid.every((fid) => Number.isFinite(fid) && fid > 0),
          `FID ${r.metrics.fid}`,
        );
        assert.equal(r.metrics.dLoss.length, 1);
        assert.equal(r.metrics.gLoss.length, 2);
      }
    }
  } finally {
    await storage.close();
    delete process.env.KTG_PRETRAINED_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
