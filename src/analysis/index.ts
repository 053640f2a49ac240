export * from './ensemble_analysis';
export * from './embedding';
export * from './cross_evaluation';
