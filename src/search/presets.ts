/**
 * Study settings per preset. `ci` fits this 2-core CPU machine (small subsets, a few epochs, a few
 * trials); `paper` is the thesis' setting (CIFAR 40k/10k split, 200 epochs with lr/10 every 60,
 * 1,500 trials) for users with a GPU and many workers.
 */
import type { PresetName } from '../presets';
import type { StudyConfigInput } from './study_config';

export type SearchPreset = Omit<StudyConfigInput, 'space' | 'dataset'>;

export const searchPresets: Record<PresetName, SearchPreset> = {
  ci: { trials: 8, trainSize: 2000, validationSize: 1000, epochs: 4, batchSize: 64, learningRate: 0.05, schedule: 'cosine', augmentation: 'none' },
  paper: { trials: 1500, trainSize: 0, validationSize: 10000, epochs: 200, batchSize: 64, learningRate: 0.1, schedule: 'step', milestones: [60, 120, 180], augmentation: 'weak' },
};

/**
 * GAN gate searches (paper 003 §4.3): `ci` co-trains small DCGANs on 28×28 / 32×32 images for a few
 * hundred steps; `paper` is CIFAR-10 at 64×64, batch 256, 50 epochs of 195 steps, 1,500 trials.
 */
export const ganSearchPresets: Record<PresetName, SearchPreset> = {
  ci: { trials: 8, trainSize: 5000, validationSize: 1000, epochs: 4, batchSize: 32, gan: { zDim: 32, baseWidth: 16, stepsPerEpoch: 50, samples: 500, metricEpochs: 4 } },
  paper: { trials: 1500, trainSize: 0, validationSize: 10000, epochs: 50, batchSize: 256, gan: { imageSize: 64, zDim: 100, baseWidth: 64, stepsPerEpoch: 195, samples: 5000, metricModel: 'resnet20', metricEpochs: 30 } },
};
