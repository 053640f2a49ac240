export * from './spec';
export * from './dot';
export * from './methods';
export * from './trainer';
export * from './repeat';
export * from './gradient_surgery';
export * from './ensemble_distillation';
