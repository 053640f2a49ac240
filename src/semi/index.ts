export * from './trainer';
export * from './presets';
