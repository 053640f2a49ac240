// first, before the backend and the datasets load: in a tslab kernel this starts the static figure
// renderer's browser in the background, so it is ready by the time a cell draws the first figure
import './viz/static_render';
export * from './backend';
export * as data from './data';
export * as viz from './viz';
export * from './presets';
export * from './models/model';
export { CifarResNet } from './models/resnet';
export { SmallCnn } from './models/small_cnn';
export * as gan from './gan';
export { DcganGenerator, DcganDiscriminator } from './gan/dcgan';
export { stopGradient } from './tensor/stop_gradient';
export * as gates from './gates';
export * as losses from './losses';
export * as graph from './graph';
export * as search from './search';
export * as jobs from './jobs';
export * from './models/checkpoint';
export { WideResNet } from './models/wide_resnet';
export { ResNet18 } from './models/resnet18';
export { AbnResNet } from './models/abn';
export * as analysis from './analysis';
export { createModel, modelFactories } from './models/registry';
export * as semi from './semi';
export * as optim from './optim';
export * as claims from './claims';
export * as training from './training';
export * as experiments from './experiments';

// in a tslab notebook: a later cell that uses a variable whose defining cell failed is told which one
import { guardNotebookVariables } from './kernel/missing_variables';
guardNotebookVariables();
