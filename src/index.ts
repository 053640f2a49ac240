export * from './backend';
export * as data from './data';
export * as viz from './viz';
export * from './presets';
export * from './models/model';
export { CifarResNet } from './models/resnet';
export { SmallCnn } from './models/small_cnn';
export { DcganGenerator, DcganDiscriminator } from './gan/dcgan';
export { stopGradient } from './tensor/stop_gradient';
