/**
 * Times training steps of one model on one tfjs backend and prints a JSON line. Spawned by
 * bench/train_step.ts once per (backend, model) so that each run starts with a fresh backend.
 *   tsx bench/step_worker.ts <backend> <threads> <model> <batch> <steps>
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, BackendName } from '../src/backend';
import { benchModels } from './models';

async function main(): Promise<void> {
  const [backend, threads, model, batch, steps] = process.argv.slice(2);
  const info = await initBackend({ backend: backend as BackendName, threads: Number(threads), quiet: true });
  const step = benchModels[model](Number(batch));
  const warmup = 2;
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  const deadline = Date.now() + 120_000;
  for (let i = 0; i < Number(steps) && Date.now() < deadline; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ backend: info.name, threads: info.threads, model, msPerStep: median, steps: times.length, tensors: tf.memory().numTensors }));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
