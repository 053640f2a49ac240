export * from './probability';
export * from './attention';
