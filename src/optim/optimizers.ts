/**
 * SGD with (Nesterov) momentum and Adam, with optional L2 weight decay added to the gradients of the
 * decayed variables (g ← g + λ·w, the gradient of λ/2·‖w‖²). The update rules are exactly those of
 * tfjs's MomentumOptimizer and AdamOptimizer. On the native backend one addon call updates every
 * parameter per step (new values are written to fresh buffers and assigned, so kernels that cache
 * packed weights by tensor id never see stale values); elsewhere the update is composed of tf ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types';
import { activeNativeAddon } from '../backend/native/backend';
import { heapOf, offsetOf, WasmBackendInternals } from '../backend/native/wasm_heap';
import type { NativeAddon } from '../backend/native/addon';

interface Update {
  variable: tf.Variable;
  gradient: tf.Tensor;
}

export interface DecayOptions {
  /** L2 weight decay λ (default 0) */
  weightDecay?: number;
  /** which variables decay (default: weights of rank > 1, i.e. not biases or batch-norm γ/β) */
  decays?: (variable: tf.Variable) => boolean;
}

/** Base: collects (variable, gradient) pairs, owns per-variable slots, picks native or composed. */
abstract class FusedOptimizer extends tf.Optimizer {
  protected readonly weightDecay: number;
  protected readonly decays: (variable: tf.Variable) => boolean;
  private readonly slots = new Map<string, tf.Variable[]>();

  constructor(
    protected learningRate: number,
    decay: DecayOptions,
  ) {
    super();
    if (!(Number.isFinite(learningRate) && learningRate >= 0)) throw new Error(`learning rate must be a finite number ≥ 0, got ${learningRate}`);
    this.weightDecay = decay.weightDecay ?? 0;
    if (!(Number.isFinite(this.weightDecay) && this.weightDecay >= 0)) throw new Error(`weight decay must be a finite number ≥ 0, got ${decay.weightDecay}`);
    this.decays = decay.decays ?? ((v) => v.rank > 1);
  }

  setLearningRate(learningRate: number): void {
    if (!(Number.isFinite(learningRate) && learningRate >= 0)) throw new Error(`learning rate must be a finite number ≥ 0, got ${learningRate}`);
    this.learningRate = learningRate;
  }

  /** number of zero-initialised slot tensors each variable needs (1 for momentum, 2 for Adam) */
  protected abstract readonly slotCount: number;
  protected abstract composedUpdate(update: Update, slots: tf.Variable[], decay: number): void;
  protected abstract nativeUpdate(addon: NativeAddon, heap: Float32Array, table: Float64Array): void;
  /** called once per step after the updates */
  protected afterStep(): void {}

  protected slotsOf(variable: tf.Variable): tf.Variable[] {
    let s = this.slots.get(variable.name);
    if (s == null) {
      s = Array.from({ length: this.slotCount }, () => tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
      this.slots.set(variable.name, s);
    }
    return s;
  }

  /**
   * As tf.Optimizer.minimize, except that an explicit empty variable list (a graph whose every node
   * is frozen: nothing to learn) evaluates `f` without a step instead of throwing in variableGrads.
   */
  override minimize(f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    if (varList == null || varList.length > 0) return super.minimize(f, returnCost, varList);
    const cost = tf.tidy(f);
    if (returnCost) return cost;
    cost.dispose();
    return null;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const registered = tf.engine().registeredVariables;
    const updates: Update[] = [];
    for (const { name, tensor } of list) {
      if (tensor == null) continue;
      const variable = registered[name];
      if (variable == null) throw new Error(`optimizer: no variable named ${name}`);
      updates.push({ variable, gradient: tensor });
    }
    const addon = activeNativeAddon();
    if (addon != null && updates.every((u) => u.variable.dtype === 'float32' && u.gradient.dtype === 'float32')) this.applyNative(addon, updates);
    else tf.tidy(() => updates.forEach((u) => this.composedUpdate(u, this.slotsOf(u.variable), this.decays(u.variable) ? this.weightDecay : 0)));
    this.afterStep();
    this.incrementIterations();
  }

  private applyNative(addon: NativeAddon, updates: Update[]): void {
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const slots = updates.map((u) => this.slotsOf(u.variable));
    const fresh = updates.map((u) => backend.makeOutput(u.variable.shape, 'float32'));
    const width = 5 + this.slotCount; // variable, new value, gradient, slots…, size, decay
    const table = new Float64Array(updates.length * width);
    updates.forEach((u, i) => {
      const row = [
        offsetOf(backend, u.variable),
        offsetOf(backend, fresh[i]),
        offsetOf(backend, u.gradient),
        ...slots[i].map((s) => offsetOf(backend, s)),
        u.variable.size,
        this.decays(u.variable) ? 1 : 0,
      ];
      table.set(row, i * width);
    });
    this.nativeUpdate(addon, heapOf(backend), table);
    updates.forEach((u, i) => {
      const value = tf.engine().makeTensorFromTensorInfo(fresh[i]);
      u.variable.assign(value);
      value.dispose();
    });
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [...this.slots.entries()].flatMap(([name, s]) => s.map((tensor, i) => ({ name: `${name}/slot${i}`, tensor })));
  }

  override async setWeights(_weightValues: NamedTensor[]): Promise<void> {
    throw new Error(`${this.getClassName()}: restoring optimizer state is not supported`);
  }

  override dispose(): void {
    super.dispose();
    for (const s of this.slots.values()) tf.dispose(s);
    this.slots.clear();
  }
}

export interface SgdOptions extends DecayOptions {
  learningRate: number;
  /** default 0.9 */
  momentum?: number;
  /** default true */
  nesterov?: boolean;
}

/** v ← m·v + g;  w ← w − lr·(g + m·v) (Nesterov) or w ← w − lr·v */
export class SgdMomentum extends FusedOptimizer {
  static className = 'KtgSgdMomentum';
  protected readonly slotCount = 1;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SgdOptions) {
    super(options.learningRate, options);
    this.momentum = options.momentum ?? 0.9;
    this.nesterov = options.nesterov ?? true;
  }

  protected composedUpdate({ variable, gradient }: Update, [accumulator]: tf.Variable[], decay: number): void {
    const g = decay > 0 ? tf.add(gradient, tf.mul(variable, decay)) : gradient;
    const next = tf.add(tf.mul(accumulator, this.momentum), g);
    accumulator.assign(next);
    const step = this.nesterov ? tf.add(g, tf.mul(next, this.momentum)) : next;
    variable.assign(tf.sub(variable, tf.mul(step, this.learningRate)));
  }

  protected nativeUpdate(addon: NativeAddon, heap: Float32Array, table: Float64Array): void {
    addon.sgdUpdate(heap, table, this.learningRate, this.momentum, this.weightDecay, this.nesterov);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}

export interface AdamOptions extends DecayOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  /** default: the backend's epsilon (1e-7 for float32), as tfjs */
  epsilon?: number;
}

/** tfjs's Adam: m, v moments with bias correction by β₁ᵗ, β₂ᵗ; ε outside the square root */
export class Adam extends FusedOptimizer {
  static className = 'KtgAdam';
  protected readonly slotCount = 2;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private beta1Power: number;
  private beta2Power: number;

  constructor(options: AdamOptions) {
    super(options.learningRate, options);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? tf.backend().epsilon();
    this.beta1Power = this.beta1;
    this.beta2Power = this.beta2;
  }

  protected composedUpdate({ variable, gradient }: Update, [first, second]: tf.Variable[], decay: number): void {
    const g = decay > 0 ? tf.add(gradient, tf.mul(variable, decay)) : gradient;
    const m = tf.add(tf.mul(first, this.beta1), tf.mul(g, 1 - this.beta1));
    const v = tf.add(tf.mul(second, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    first.assign(m);
    second.assign(v);
    const mHat = tf.div(m, 1 - this.beta1Power);
    const vHat = tf.div(v, 1 - this.beta2Power);
    variable.assign(tf.sub(variable, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), this.learningRate)));
  }

  protected nativeUpdate(addon: NativeAddon, heap: Float32Array, table: Float64Array): void {
    addon.adamUpdate(heap, table, this.learningRate, this.beta1, this.beta2, this.epsilon, this.beta1Power, this.beta2Power, this.weightDecay);
  }

  protected override afterStep(): void {
    this.beta1Power *= this.beta1;
    this.beta2Power *= this.beta2;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }
}
