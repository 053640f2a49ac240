/**
 * GAN studies (paper 003 §4.3): a trial co-trains the sampled generators; after every "epoch" of
 * `stepsPerEpoch` steps it generates `samples` images per generator from a fixed z, scores them with
 * the study's metric classifier (IS) and against the validation images (FID), and reports the best
 * IS of any generator as the objective, so ASHA prunes on it like on accuracies.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CoGanSpec, parseCoGanSpec, trainCoGan } from '../../gan/cotraining';
import { coGanToDot } from '../../gan/dot';
import { ImageSize } from '../../gan/dcgan';
import { createScorer, metricClassifier, SampleScorer, scoreGenerators } from '../../gan/quality';
import { describeCoGan, GanSpace, ganSpaceSize, parseGanSpace, sampleCoGan } from '../../gan/space';
import { describeGate } from '../../gates';
import type { StudyConfig } from '../study_config';
import type { SearchData, StudyKind, TrialContext, TrialOutcome } from './kind';

/** The study's sample scorer: its metric classifier (cached on disk) against the validation images. */
export async function ganScorer(config: StudyConfig, data: SearchData): Promise<SampleScorer> {
  if (!config.gan) throw new Error('a GAN study needs GAN settings');
  const { network } = await metricClassifier({ train: data.train, test: data.validation }, { model: config.gan.metricModel, epochs: config.gan.metricEpochs });
  return createScorer(network, data.validation);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

async function runGanTrial(spec: CoGanSpec, { config, data, seed, signal, record }: TrialContext, scorer: SampleScorer): Promise<TrialOutcome> {
  if (!config.gan) throw new Error('a GAN study needs GAN settings');
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
    onCheckpoint: async (step, models, history) => {
      const scores = scoreGenerators(models.generators, scorer, { samples: gan.samples, seed: seed * 7 + 1 });
      const steps = history.slice(last);
      last = history.length;
      const is = scores.map((s) => s.inceptionScore);
      const seconds = (Date.now() - started) / 1000;
      started = Date.now();
      return record({
        epoch: Math.round(step / gan.stepsPerEpoch),
        value: Math.max(...is),
        metrics: {
          is,
          fid: scores.map((s) => s.fid),
          dLoss: [mean(steps.map((x) => x.dLoss))],
          gLoss: models.generators.map((_, i) => mean(steps.map((x) => x.gLoss[i]))),
        },
        seconds,
      });
    },
  });
  tf.dispose([...result.models.generators.flatMap((g) => g.params.variables()), ...result.models.discriminator.params.variables()]);
  const diverged = result.status === 'diverged';
  return { status: result.status, ...(diverged ? { error: `the GAN diverged (non-finite loss) at step ${result.history.length}` } : {}) };
}

export const ganKind: StudyKind<GanSpace, CoGanSpec, SampleScorer> = {
  id: 'gan',
  metrics: ['is', 'fid', 'dLoss', 'gLoss'],
  parseSpace: (input) => parseGanSpace(input),
  size: (space) => ganSpaceSize(space),
  sample: (space, seed) => sampleCoGan(space, seed),
  parseSpec: (stored) => parseCoGanSpec(stored),
  prepare: (config, data) => ganScorer(config, data),
  runTrial: (spec, context, scorer) => runGanTrial(spec, context, scorer),
  describe: (spec) => describeCoGan(spec),
  toDot: (spec, options) => coGanToDot(spec, options),
  summary: (spec) => ({
    models: `${spec.generators}×dcgan`,
    gates: spec.edges.map((e) => `G${e.source}→G${e.target}:${e.kind}:${describeGate(e.gate)}`).join(' '),
  }),
  specNoun: 'co-training spec',
  trainHint: () => 'train it with gan.trainCoGan in a notebook',
};
