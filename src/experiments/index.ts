// what notebooks repeat: runs over seeds, scored co-training, reading finished studies
export * from './seed_runs';
export { scoredCoTraining } from '../gan/scored_cotraining';
export type { GeneratorPoint, ScoredCoTraining } from '../gan/scored_cotraining';
export * from './study_values';
