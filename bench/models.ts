/**
 * The three training steps the speed benchmark compares with PyTorch (bench/pytorch_peer.py builds
 * the same networks): CIFAR ResNet-20, the small CNN preset (widths 32/64/128) and one DCGAN step
 * (a discriminator update on real + fake, then a generator update) at 32×32.
 * Classifiers use ktg's SGD with Nesterov momentum, the DCGAN ktg's Adam (the optimizers the trainers
 * use; one fused update per step on the native backend), with softmax / sigmoid cross-entropy on random data.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CifarResNet } from '../src/models/resnet';
import { SmallCnn } from '../src/models/small_cnn';
import { build, Classifier, trainableVariables } from '../src/models/model';
import { DcganDiscriminator, DcganGenerator } from '../src/gan/dcgan';
import { Adam, SgdMomentum } from '../src/optim';

type StepFactory = (batch: number) => () => void;

function classifierStep(model: Classifier, batch: number): () => void {
  build(model);
  const [h, w, c] = model.info.inputShape;
  const x = tf.randomNormal([batch, h, w, c], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([batch], 0, model.info.numClasses, 'int32', 2), model.info.numClasses);
  const optimizer = new SgdMomentum({ learningRate: 0.1, momentum: 0.9, nesterov: true });
  return () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, true).logits) as tf.Scalar, true, trainableVariables(model));
    loss!.dataSync();
    loss!.dispose();
  };
}

function dcganStep(batch: number): () => void {
  const opts = { imageSize: 32 as const, channels: 3, seed: 1 };
  const g = new DcganGenerator(opts);
  const d = new DcganDiscriminator(opts);
  const real = tf.randomUniform([batch, 32, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  const ones = tf.ones([batch, 1]);
  const zeros = tf.zeros([batch, 1]);
  const optD = new Adam({ learningRate: 2e-4, beta1: 0.5 });
  const optG = new Adam({ learningRate: 2e-4, beta1: 0.5 });
  // build variables before the optimisers see them
  tf.tidy(() => {
    d.apply(g.apply(g.sample(2), true).images, true);
  });
  return () => {
    tf.tidy(() => {
      const z = g.sample(batch);
      const fake = g.apply(z, true).images;
      const lossD = optD.minimize(
        () =>
          tf.add(
            tf.losses.sigmoidCrossEntropy(ones, d.apply(real, true).logits),
            tf.losses.sigmoidCrossEntropy(zeros, d.apply(fake, true).logits),
          ) as tf.Scalar,
        true,
        d.params.variables(),
      );
      const lossG = optG.minimize(
        () => tf.losses.sigmoidCrossEntropy(ones, d.apply(g.apply(z, true).images, true).logits) as tf.Scalar,
        true,
        g.params.variables(),
      );
      lossD!.dataSync();
      lossG!.dataSync();
    });
  };
}

export const benchModels: Record<string, StepFactory> = {
  resnet20: (batch) => classifierStep(new CifarResNet({ depth: 20, numClasses: 10, seed: 1 }), batch),
  smallcnn: (batch) => classifierStep(new SmallCnn({ numClasses: 10, width: 32, seed: 1 }), batch),
  dcgan: dcganStep,
};
