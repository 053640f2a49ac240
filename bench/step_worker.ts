/**
 * Times training steps of one model on one tfjs backend and prints a JSON line. Spawned by
 * bench/train_step.ts once per (backend, model, precision) so that each run starts with a fresh
 * backend. On the native backend it also counts the step's convolution and matrix-product FLOPs
 * (from the geometries the addon is called with), and `gemm-peak` measures the rate of a large
 * matrix product in the given precision: the machine's practical peak the steps are compared with.
 *   tsx bench/step_worker.ts <backend> <threads> <model|gemm-peak> <batch> <steps> [fp32|bf16]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, BackendName, Precision } from '../src/backend';
import { loadNativeAddon, NativeAddon } from '../src/backend/native/addon';
import { benchModels } from './models';

/** counts 2·MACs of every convolution (forward, backward-data, backward-weights) and matrix product the addon runs */
function countFlops(addon: NativeAddon): { flops: number } {
  const counter = { flops: 0 };
  const conv = (g: number[]) => 2 * g[0] * g[7] * g[8] * g[6] * g[3] * g[4] * g[5];
  for (const name of ['convForward', 'convBackwardData', 'convBackwardWeights'] as const) {
    const original = addon[name].bind(addon);
    addon[name] = (heap, a, b, c, ...geometry) => {
      counter.flops += conv(geometry);
      original(heap, a, b, c, ...geometry);
    };
  }
  const matmul = addon.matmul.bind(addon);
  addon.matmul = (heap, a, b, c, batchA, batchB, m, n, k, ta, tb) => {
    counter.flops += 2 * Math.max(batchA, batchB) * m * n * k;
    matmul(heap, a, b, c, batchA, batchB, m, n, k, ta, tb);
  };
  return counter;
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const [backend, threads, model, batch, steps, precision = 'fp32'] = process.argv.slice(2);
  const loaded = backend === 'native' ? loadNativeAddon() : undefined;
  const counter = loaded && 'addon' in loaded ? countFlops(loaded.addon) : undefined;
  const info = await initBackend({ backend: backend as BackendName, threads: Number(threads), precision: precision as Precision, quiet: true });
  if (info.precision !== precision) throw new Error(`${precision} requested, but ${info.precisionFallback ?? `the backend runs ${info.precision}`}`);
  if (model === 'gemm-peak') {
    // a product large enough that oneDNN runs at its best on every core
    const n = 1536;
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
    const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    const times: number[] = [];
    for (let i = 0; i < Number(steps) + 1; i++) {
      const t0 = performance.now();
      tf.matMul(a, b).dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
    const ms = median(times);
    console.log(
      JSON.stringify({ backend: info.name, threads: info.threads, precision: info.precision, model, msPerStep: ms, gflops: (2 * n ** 3) / ms / 1e6 }),
    );
    process.exit(0);
  }
  const step = benchModels[model](Number(batch));
  const warmup = 2;
  for (let i = 0; i < warmup; i++) step();
  if (counter) counter.flops = 0;
  step();
  const flops = counter?.flops;
  const times: number[] = [];
  const deadline = Date.now() + 120_000;
  for (let i = 0; i < Number(steps) && Date.now() < deadline; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  console.log(
    JSON.stringify({
      backend: info.name,
      threads: info.threads,
      precision: info.precision,
      model,
      msPerStep: median(times),
      steps: times.length,
      flops,
      tensors: tf.memory().numTensors,
    }),
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
