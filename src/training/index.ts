export * from './epoch_driver';
