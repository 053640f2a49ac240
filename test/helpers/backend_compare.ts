/** Comparing the same computation on two tfjs backends (inputs come from seeded generators, so they are equal on both). */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

export type Values = Float32Array | Int32Array | Uint8Array;

/** max |a − b| / max |b| */
export function relError(a: Values, b: Values): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

/** Runs fn on a backend and returns plain arrays. */
export async function onBackend(name: string, fn: () => tf.Tensor[]): Promise<Values[]> {
  await tf.setBackend(name);
  return tf.tidy(fn).map((t) => {
    const v = t.dataSync().slice();
    t.dispose();
    return v;
  });
}
