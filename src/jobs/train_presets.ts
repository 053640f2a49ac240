/**
 * The training settings of `ktg train --preset` and `runTrainJobs`: retraining a graph on the
 * training subset and evaluating it on the test subset (the thesis' tables), per preset.
 */
import type { PresetName } from '../presets';

export interface TrainPreset {
  seeds: number;
  epochs: number;
  trainSize: number;
  testSize: number;
  batchSize: number;
  lr: number;
  schedule: 'cosine' | 'step' | 'constant';
  /** step schedule: epochs at which the learning rate is divided by 10 */
  milestones: number[];
  augmentation: 'none' | 'weak' | 'strong';
}

export const trainPresets: Record<PresetName, TrainPreset> = {
  ci: { seeds: 2, epochs: 4, trainSize: 4000, testSize: 2000, batchSize: 64, lr: 0.05, schedule: 'cosine', milestones: [], augmentation: 'none' },
  cpu: { seeds: 5, epochs: 30, trainSize: 10000, testSize: 10000, batchSize: 64, lr: 0.05, schedule: 'cosine', milestones: [], augmentation: 'weak' },
  paper: { seeds: 5, epochs: 200, trainSize: 0, testSize: 0, batchSize: 64, lr: 0.1, schedule: 'step', milestones: [60, 120, 180], augmentation: 'weak' },
};
