export * from './dcgan';
export * from './spectral_norm';
export * from './objectives';
export * from './metrics';
export * from './cotraining';
