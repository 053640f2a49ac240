/**
 * Functional building blocks: parameters live in a ParamStore (seeded initialisation, named
 * variables), layers are plain functions of (store, input). Models built this way expose every
 * intermediate feature map, which knowledge-transfer losses need.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RUNNING_STATS, RunningStatsAttrs } from '../backend/native/kernels';
import { BatchStats, trainingBatchNorm } from './batch_norm';

export class ParamStore {
  readonly trainable = new Map<string, tf.Variable>();
  /** non-trainable state such as batch-norm running statistics */
  readonly state = new Map<string, tf.Variable>();
  private counter = 0;

  constructor(
    readonly seed: number,
    readonly prefix = '',
  ) {}

  private nextSeed(): number {
    this.counter += 1;
    return this.seed * 7919 + this.counter;
  }

  private create(map: Map<string, tf.Variable>, name: string, init: () => tf.Tensor, trainable: boolean): tf.Variable {
    const existing = map.get(name);
    if (existing != null) return existing;
    const value = init();
    const v = tf.variable(value, trainable, `${this.prefix}${name}_${Math.random().toString(36).slice(2, 10)}`);
    value.dispose();
    map.set(name, v);
    return v;
  }

  /** He-normal (fan-in) weights, the usual choice before ReLU. */
  heNormal(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.create(this.trainable, name, () => tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', this.nextSeed()), true);
  }

  normal(name: string, shape: number[], std: number, mean = 0): tf.Variable {
    return this.create(this.trainable, name, () => tf.randomNormal(shape, mean, std, 'float32', this.nextSeed()), true);
  }

  /** Glorot-uniform weights. */
  glorot(name: string, shape: number[], fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.create(this.trainable, name, () => tf.randomUniform(shape, -limit, limit, 'float32', this.nextSeed()), true);
  }

  /** non-trainable state drawn from N(0, 1) (e.g. spectral normalisation's power-iteration vector) */
  normalState(name: string, shape: number[]): tf.Variable {
    return this.create(this.state, name, () => tf.randomNormal(shape, 0, 1, 'float32', this.nextSeed()), false);
  }

  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    return this.create(trainable ? this.trainable : this.state, name, () => tf.fill(shape, value), trainable);
  }

  variables(): tf.Variable[] {
    return [...this.trainable.values()];
  }

  numParams(): number {
    let n = 0;
    for (const v of this.trainable.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of [...this.trainable.values(), ...this.state.values()]) v.dispose();
    this.trainable.clear();
    this.state.clear();
  }
}

export type Padding = 'same' | 'valid' | number;

/** Convolution without bias (a batch norm follows), He-initialised, NHWC. */
export function conv2d(
  p: ParamStore,
  name: string,
  x: tf.Tensor4D,
  filters: number,
  kernel: number,
  stride = 1,
  pad: Padding = 'same',
  bias = false,
): tf.Tensor4D {
  const inC = x.shape[3];
  const w = p.heNormal(`${name}/kernel`, [kernel, kernel, inC, filters], kernel * kernel * inC);
  const y = tf.conv2d(x, w as tf.Tensor4D, stride, pad);
  return bias ? tf.add<tf.Tensor4D>(y, p.constant(`${name}/bias`, [filters], 0)) : y;
}

export interface BatchNormOptions {
  momentum?: number;
  epsilon?: number;
}

/**
 * Batch normalisation over N,H,W (or N for 2-D input). In training it normalises with the batch
 * statistics (gradients flow through them) and updates the running averages; in inference it
 * uses the running averages.
 */
export function batchNorm<T extends tf.Tensor>(p: ParamStore, name: string, x: T, training: boolean, options: BatchNormOptions = {}): T {
  return normalise(p, name, x, training, false, options);
}

/** relu(batchNorm(x)), fused into one kernel in training on the native backend */
export function batchNormRelu<T extends tf.Tensor>(p: ParamStore, name: string, x: T, training: boolean, options: BatchNormOptions = {}): T {
  return normalise(p, name, x, training, true, options);
}

function normalise<T extends tf.Tensor>(p: ParamStore, name: string, x: T, training: boolean, relu: boolean, options: BatchNormOptions): T {
  const momentum = options.momentum ?? 0.9;
  const eps = options.epsilon ?? 1e-5;
  const c = x.shape[x.rank - 1];
  const gamma = p.constant(`${name}/gamma`, [c], 1);
  const beta = p.constant(`${name}/beta`, [c], 0);
  const runningMean = p.constant(`${name}/moving_mean`, [c], 0, false);
  const runningVar = p.constant(`${name}/moving_variance`, [c], 1, false);
  if (!training) {
    const y = tf.batchNorm(x, runningMean, runningVar, beta, gamma, eps) as T;
    return relu ? tf.relu(y) : y;
  }
  const fused = tf.getKernel(RUNNING_STATS, tf.getBackend()) != null;
  const onStats = ({ mean, variance }: BatchStats): void => {
    if (fused) {
      const attrs: RunningStatsAttrs = { momentum };
      const [m, v] = tf.engine().runKernel(RUNNING_STATS, { runningMean, runningVar, mean, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      runningMean.assign(m);
      runningVar.assign(v);
      return;
    }
    runningMean.assign(tf.add(tf.mul(runningMean, momentum), tf.mul(mean, 1 - momentum)));
    runningVar.assign(tf.add(tf.mul(runningVar, momentum), tf.mul(variance, 1 - momentum)));
  };
  return trainingBatchNorm(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, eps, { relu, onStats });
}

export function dense(p: ParamStore, name: string, x: tf.Tensor2D, units: number, bias = true): tf.Tensor2D {
  const inF = x.shape[1];
  const w = p.glorot(`${name}/kernel`, [inF, units], inF, units);
  const y = tf.matMul(x, w) as tf.Tensor2D;
  return bias ? (tf.add(y, p.constant(`${name}/bias`, [units], 0)) as tf.Tensor2D) : y;
}

export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
