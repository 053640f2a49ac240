export * from './probability';
export * from './attention';
export * from './maps';
export * from './features';
export * from './registry';
export * from './generated';
