export * from './spec';
export * from './dot';
export * from './presets';
export * from './edge_loss';
export * from './trainer';
export * from './repeat';
export * from './gradient_surgery';
export * from './ensemble_distillation';
