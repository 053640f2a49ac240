/**
 * Where the wasm backend keeps a tensor: every float32 tensor is a range of one WebAssembly.Memory.
 * The native kernels get a Float32Array over that memory plus byte offsets, so they read and write
 * tensors in place. The memory may grow during any allocation, so views are taken after allocating.
 */
import { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { Heap } from './addon';

/** The parts of tfjs-backend-wasm's BackendWasm the native kernels use. */
export interface WasmBackendInternals {
  wasm: { wasmMemory?: WebAssembly.Memory; HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number; refCount: number } | undefined };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

let view: Float32Array | undefined;

/** A Float32Array over the whole heap, renewed when the memory has grown. */
export function heapOf(backend: WasmBackendInternals): Heap {
  const buffer = backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer;
  if (view == null || view.buffer !== buffer) view = new Float32Array(buffer);
  return view;
}

/** byte offset of a tensor's data in the heap */
export function offsetOf(backend: WasmBackendInternals, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data == null) throw new Error('tensor data is not on this wasm backend (disposed, or from another backend)');
  return data.memoryOffset;
}
