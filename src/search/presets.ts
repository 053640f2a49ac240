/**
 * Study settings per preset. `ci` fits CI (small subsets, a few epochs, a few trials); `cpu` is a
 * search a 2-core machine finishes in about an hour on the native backend (60 trials × ≤ 16 epochs
 * on 10k images with ASHA); `paper` is the thesis' setting (CIFAR 40k/10k split, 200 epochs with
 * lr/10 every 60, 1,500 trials) for users with a GPU and many workers. Every preset confirms its
 * best trials on fresh seeds (`confirm`): the study's best is the best confirmed mean.
 */
import type { PresetName } from '../presets';
import type { StudyConfigInput } from './study_config';

export type SearchPreset = Omit<StudyConfigInput, 'space' | 'dataset'>;

export const searchPresets: Record<PresetName, SearchPreset> = {
  ci: {
    trials: 8,
    trainSize: 2000,
    validationSize: 1000,
    epochs: 4,
    batchSize: 64,
    learningRate: 0.05,
    schedule: 'cosine',
    augmentation: 'none',
    confirm: { top: 2, seeds: 2 },
  },
  cpu: {
    trials: 60,
    trainSize: 10000,
    validationSize: 5000,
    epochs: 16,
    batchSize: 64,
    learningRate: 0.05,
    schedule: 'cosine',
    augmentation: 'weak',
    confirm: { top: 3, seeds: 3 },
  },
  paper: {
    trials: 1500,
    trainSize: 0,
    validationSize: 10000,
    epochs: 200,
    batchSize: 64,
    learningRate: 0.1,
    schedule: 'step',
    milestones: [60, 120, 180],
    augmentation: 'weak',
    confirm: { top: 5, seeds: 3 },
  },
};

/**
 * GAN gate searches (paper 003 §4.3): `ci` co-trains small DCGANs on 28×28 / 32×32 images for a few
 * hundred steps; `paper` is CIFAR-10 at 64×64, batch 256, 50 epochs of 195 steps, 1,500 trials.
 */
export const ganSearchPresets: Record<PresetName, SearchPreset> = {
  ci: {
    trials: 8,
    trainSize: 5000,
    validationSize: 1000,
    epochs: 4,
    batchSize: 32,
    metric: 'best-is',
    gan: { zDim: 32, baseWidth: 16, stepsPerEpoch: 50, samples: 500, metricEpochs: 4 },
    confirm: { top: 2, seeds: 2 },
  },
  cpu: {
    trials: 100,
    trainSize: 20000,
    validationSize: 2000,
    epochs: 8,
    batchSize: 64,
    metric: 'best-is',
    gan: { zDim: 64, baseWidth: 32, stepsPerEpoch: 200, samples: 1000, metricEpochs: 8 },
    confirm: { top: 3, seeds: 2 },
  },
  paper: {
    trials: 1500,
    trainSize: 0,
    validationSize: 10000,
    epochs: 50,
    batchSize: 256,
    metric: 'best-is',
    gan: { imageSize: 64, zDim: 100, baseWidth: 64, stepsPerEpoch: 195, samples: 5000, metricModel: 'resnet20', metricEpochs: 30 },
    confirm: { top: 5, seeds: 3 },
  },
};
