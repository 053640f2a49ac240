/**
 * GAN studies (paper 003 §4.3): a trial co-trains the sampled generators; after every "epoch" of
 * `stepsPerEpoch` steps it generates `samples` images per generator from a fixed z, scores them with
 * the study's metric classifier (IS) and against the validation images (FID), and reports the best
 * IS of any generator as the objective, so ASHA prunes on it like on accuracies.
 */
import * as tf from '@tensorflow/tfjs-core';
import { trainCoGan } from '../../gan/cotraining';
import { describeGraph, GanGraphSpec, parseGanGraphSpec } from '../../graph/spec';
import { graphToDot } from '../../graph/dot';
import { ImageSize } from '../../gan/dcgan';
import { createScorer, metricClassifier, SampleScorer, scoreGenerators } from '../../gan/quality';
import { GanSpace, ganSpaceSize, parseGanSpace, sampleCoGan } from '../../gan/space';
import { describeGate } from '../../gates';
import type { StudyConfig } from '../study_config';
import type { SearchData, StudyKind, TrialContext, TrialOutcome } from './kind';

/** The study's sample scorer: its metric classifier (cached on disk) against the validation images. */
export async function ganScorer(config: StudyConfig, data: SearchData): Promise<SampleScorer> {
  if (!config.gan) throw new Error('a GAN study needs GAN settings');
  const { network } = await metricClassifier({ train: data.train, test: data.validation }, { model: config.gan.metricModel, epochs: config.gan.metricEpochs });
  return createScorer(network, data.validation);
}

async function runGanTrial(spec: GanGraphSpec, { config, data, seed, signal, record }: TrialContext, scorer: SampleScorer): Promise<TrialOutcome> {
  if (!config.gan) throw new Error('a GAN study needs GAN settings');
  const gan = config.gan;
  const [h, , channels] = data.train.shape;
  const imageSize = (gan.imageSize ?? h) as ImageSize;
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
    onEpoch: async (period, models) => {
      const started = Date.now();
      const scores = scoreGenerators(models.generators, scorer, { samples: gan.samples, seed: seed * 7 + 1 });
      const is = scores.map((s) => s.inceptionScore);
      return record({
        epoch: period.epoch,
        value: Math.max(...is),
        metrics: { is, fid: scores.map((s) => s.fid), dLoss: [period.dLoss], gLoss: period.gLoss },
        seconds: period.seconds + (Date.now() - started) / 1000,
      });
    },
  });
  tf.dispose([...result.models.generators.flatMap((g) => g.params.variables()), ...result.models.discriminator.params.variables()]);
  return { status: result.status, ...(result.error ? { error: `the GAN diverged: ${result.error}` } : {}) };
}

export const ganKind: StudyKind<GanSpace, GanGraphSpec, SampleScorer> = {
  id: 'gan',
  metrics: ['is', 'fid', 'dLoss', 'gLoss'],
  parseSpace: (input) => parseGanSpace(input),
  size: (space) => ganSpaceSize(space),
  sample: (space, seed) => sampleCoGan(space, seed),
  parseSpec: (stored) => parseGanGraphSpec(stored),
  prepare: (config, data) => ganScorer(config, data),
  runTrial: (spec, context, scorer) => runGanTrial(spec, context, scorer),
  describe: (spec) => describeGraph(spec),
  toDot: (spec, options) => graphToDot(spec, options),
  summary: (spec) => ({
    models: `${spec.nodes.length}×dcgan`,
    gates: spec.edges
      .filter((e) => e.source !== 0)
      .map((e) => `G${e.source}→G${e.target}:${e.loss}:${describeGate(e.gate)}`)
      .join(' '),
  }),
  specNoun: 'co-training spec',
  trainHint: () => 'train it with gan.trainCoGan in a notebook',
};
