import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { build, numParams } from '../../src/models/model';
import { CifarResNet } from '../../src/models/resnet';

before(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});

// the usual counts of He et al.'s CIFAR ResNets (10 classes): 0.27 M, 0.46 M, 0.85 M, 1.7 M
for (const [depth, millions] of [[20, 0.27], [32, 0.46], [56, 0.85], [110, 1.7]] as const) {
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
  assert.deepEqual(out.features.map((f) => f.shape), [[2, 32, 32, 32], [2, 16, 16, 64], [2, 8, 8, 128]]);
  model.params.dispose();
});
