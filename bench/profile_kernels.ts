/**
 * Kernel profile of one training step: time per kernel name, summed (tf.profile).
 *   tsx bench/profile_kernels.ts <model> [backend] [threads]    e.g. resnet20 native 2
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendName, initBackend } from '../src/backend';
import { benchModels } from './models';

async function main(): Promise<void> {
  const [model = 'resnet20', backend = 'native', threads = '2'] = process.argv.slice(2);
  await initBackend({ backend: backend as BackendName, threads: Number(threads), quiet: true });
  const step = benchModels[model](64);
  step();
  step();
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  const info = await tf.profile(() => {
    step();
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += k.kernelTimeMs as number;
    e.calls++;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${model} on ${backend}: step ${wall.toFixed(0)} ms wall, kernels ${total.toFixed(0)} ms in ${info.kernels.length} calls`);
  for (const [name, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`${name.padEnd(28)}${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(5)} calls ${((100 * e.ms) / total).toFixed(0).padStart(4)} %`);
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
