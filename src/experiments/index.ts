// what notebooks repeat: runs over seeds, scored co-training, reading finished studies
export * from './seed_runs';
export * from './scored_cotraining';
export * from './study_values';
