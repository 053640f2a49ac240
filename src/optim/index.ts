export { Adam, AdamOptions, DecayOptions, SgdMomentum, SgdOptions } from './optimizers';
