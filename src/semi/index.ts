export * from './trainer';
export * from './methods';
