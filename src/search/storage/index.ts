export * from './types';
export * from './sqlite';
export * from './redis';
export * from './open';
