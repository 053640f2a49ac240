export * from './registry';
export * from './gates';
export * from './schema';
