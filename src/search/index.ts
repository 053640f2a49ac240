export * from './space';
export * from './asha';
export * from './study_config';
export * from './study';
export * from './presets';
export * from './worker';
export * from './local_pool';
export * from './storage';
