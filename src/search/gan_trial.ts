/**
 * One trial of a GAN gate search (paper 003 §4.3): co-train the sampled generators; after every
 * "epoch" of `stepsPerEpoch` steps generate `samples` images per generator from a fixed z, score
 * them with the study's metric classifier (IS) and against the validation images (FID), and report
 * the best IS of any generator as the objective, so ASHA can prune on it like on accuracies.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CoGanHistory, generate, trainCoGan } from '../gan/cotraining';
import { ImageSize } from '../gan/dcgan';
import { createScorer, metricClassifier, SampleScorer } from '../gan/quality';
import type { StudyConfig } from './study_config';
import { isGraphSpec, TrialSpec } from './storage/types';
import type { RecordEpoch, SearchData } from './worker';

/** The study's sample scorer: its metric classifier (cached on disk) against the validation images. */
export async function ganScorer(config: StudyConfig, data: SearchData): Promise<SampleScorer> {
  if (!config.gan) throw new Error('a GAN study needs GAN settings');
  const { network } = await metricClassifier({ train: data.train, test: data.validation }, { model: config.gan.metricModel, epochs: config.gan.metricEpochs });
  return createScorer(network, data.validation);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

export async function trainGanTrial(spec: TrialSpec, config: StudyConfig, data: SearchData, scorer: SampleScorer, seed: number, signal: AbortSignal | undefined, record: RecordEpoch): Promise<{ status: string; error?: string }> {
  if (isGraphSpec(spec) || !config.gan) throw new Error('a GAN study got a classifier graph');
  const gan = config.gan;
  const [h, , channels] = data.train.shape;
  const imageSize = (gan.imageSize ?? h) as ImageSize;
  let last = 0;
  let started = Date.now();
  const result = await trainCoGan(spec, data.train, {
    imageSize,
    channels,
    zDim: gan.zDim,
    baseWidth: gan.baseWidth,
    norm: gan.norm,
    learningRate: gan.learningRate,
    batchSize: config.batchSize,
    steps: config.epochs * gan.stepsPerEpoch,
    every: gan.stepsPerEpoch,
    seed,
    signal,
    onCheckpoint: async (step, models, history: CoGanHistory[]) => {
      const scores = models.generators.map((g) => {
        // the same z for every generator and every epoch: curves compare like with like
        const images = generate(g, gan.samples, seed * 7 + 1);
        try {
          return scorer.score(images);
        } finally {
          images.dispose();
        }
      });
      const steps = history.slice(last);
      last = history.length;
      const is = scores.map((s) => s.inceptionScore);
      const seconds = (Date.now() - started) / 1000;
      started = Date.now();
      return record({
        epoch: Math.round(step / gan.stepsPerEpoch),
        value: Math.max(...is),
        accuracy: is,
        ensembleAccuracy: Math.max(...is),
        nodeLoss: scores.map((s) => s.fid),
        edgeLoss: [mean(steps.map((x) => x.dLoss)), ...spec.adversarialGates!.map((_, i) => mean(steps.map((x) => x.gLoss[i])))],
        seconds,
      });
    },
  });
  tf.dispose([...result.models.generators.flatMap((g) => g.params.variables()), ...result.models.discriminator.params.variables()]);
  const diverged = result.status === 'diverged';
  return { status: result.status, error: diverged ? `the GAN diverged (non-finite loss) at step ${result.history.length}` : undefined };
}
