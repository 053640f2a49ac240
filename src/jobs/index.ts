export * from './job';
export * from './run_graph_job';
export * from './job_worker';
export * from './run_jobs';
export * from './train_jobs';
export * from './train_presets';
export * from './experiment_storage';
