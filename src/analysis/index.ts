export * from './ensemble_analysis';
export * from './embedding';
