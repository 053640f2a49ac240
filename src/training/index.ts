// the trainer kit every trainer (graph, semi, gan) builds on
export * from './epoch_driver';
export * from './train_options';
export * from './evaluation';
export * from './edge_loss';
export * from './checkpoints';
export * from './pretrained';
