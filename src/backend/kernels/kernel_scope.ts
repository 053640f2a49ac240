/**
 * Runs registered kernels of the current backend from inside another kernel, and disposes every
 * intermediate result it created (unless kept). This is how backend kernels compose in tfjs:
 * on TensorInfos, without the engine's tape or tidy scopes.
 */
import { getKernel, KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (kernel == null) throw new Error(`kernel ${kernelName} is not registered for backend ${this.backendName}`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo | TensorInfo[];
    if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned several outputs`);
    this.temps.push(out);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** the values of a float32 tensor (synchronous read; meant for small tensors such as filters) */
  values(x: TensorInfo): Float32Array {
    return this.backend.readSync(x.dataId) as Float32Array;
  }

  /** a new float32 tensor owned by this scope */
  fromValues(values: Float32Array, shape: number[]): TensorInfo {
    const t: TensorInfo = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.temps.push(t);
    return t;
  }

  /** Removes `t` from the disposal list and returns it. */
  keep(t: TensorInfo): TensorInfo {
    for (let i = this.temps.length - 1; i >= 0; i--) if (this.temps[i] === t) this.temps.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}
