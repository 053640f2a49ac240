import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { build, numParams } from '../../src/models/model';
import { CifarResNet } from '../../src/models/resnet';

before(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});

// the usual counts of He et al.'s CIFAR ResNets (10 classes): 0.27 M, 0.46 M, 0.85 M, 1.7 M
for (const [depth, millions] of [
  [20, 0.27],
  [32, 0.46],
  [56, 0.85],
  [110, 1.7],
] as const) {
  test(`ResNet-${depth} has ≈ ${millions} M parameters`, () => {
    const model = build(new CifarResNet({ depth, numClasses: 10, seed: 0 }));
    const m = numParams(model) / 1e6;
    assert.ok(Math.abs(m - millions) / millions < 0.03, `ResNet-${depth}: ${m.toFixed(3)} M`);
    model.params.dispose();
  });
}

test('depths that are not 6n+2 are rejected', () => {
  assert.throws(() => new CifarResNet({ depth: 21, numClasses: 10 }), /6n\+2/);
});

test('WRN-28-2 has ≈ 1.47 M parameters (Zagoruyko & Komodakis) and returns 3 feature maps', async () => {
  const { WideResNet } = await import('../../src/models/wide_resnet');
  const tf = await import('@tensorflow/tfjs-core');
  const model = build(new WideResNet({ depth: 28, widen: 2, numClasses: 10, seed: 0 }));
  const m = numParams(model) / 1e6;
  assert.ok(Math.abs(m - 1.467) < 0.01, `WRN-28-2: ${m.toFixed(4)} M`);
  const out = model.apply(tf.zeros([2, 32, 32, 3]) as import('@tensorflow/tfjs-core').Tensor4D, false);
  assert.deepEqual(out.logits.shape, [2, 10]);
  assert.deepEqual(
    out.features.map((f) => f.shape),
    [
      [2, 32, 32, 32],
      [2, 16, 16, 64],
      [2, 8, 8, 128],
    ],
  );
  model.params.dispose();
});

test('ResNet-18 has 11.69 M parameters with 1,000 classes (torchvision count); small inputs use a 3×3 stem', async () => {
  const { ResNet18 } = await import('../../src/models/resnet18');
  // parameters do not depend on the input size (global pooling): build on 64×64 to stay fast
  const model = build(new ResNet18({ numClasses: 1000, inputShape: [64, 64, 3], seed: 0 }));
  assert.equal(numParams(model), 11_689_512);
  assert.equal(model.stem, 'imagenet');
  model.params.dispose();
  assert.equal(new ResNet18({ numClasses: 10, inputShape: [32, 32, 3] }).stem, 'small');
});

test('ABN ResNet returns a sigmoid attention map, the attention branch scores, and the label edge trains both', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  const { AbnResNet } = await import('../../src/models/abn');
  const { perSampleEdgeLoss } = await import('../../src/training/edge_loss');
  const { crossEntropy } = await import('../../src/losses');
  const model = build(new AbnResNet({ depth: 20, numClasses: 10, seed: 0 }));
  const out = model.apply(tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D, false);
  assert.deepEqual(out.attention!.shape, [2, 16, 16, 1]);
  const m = out.attention!.dataSync();
  assert.ok(m.every((v) => v >= 0 && v <= 1) && new Set(Array.from(m)).size > 1, 'a non-constant map in [0, 1]');
  assert.deepEqual(out.auxLogits!.shape, [2, 10]);
  const labels = tf.tensor1d([3, 7], 'int32');
  const edge = { source: 0, target: 1, loss: 'ce' as const, gate: { name: 'through' as const } };
  const got = perSampleEdgeLoss(edge, { target: out, labels, numClasses: 10, step: 0, totalSteps: 1 }).dataSync();
  const want = tf.add(crossEntropy(labels, out.logits), crossEntropy(labels, out.auxLogits!)).dataSync();
  assert.deepEqual(Array.from(got), Array.from(want));
  model.params.dispose();
});
