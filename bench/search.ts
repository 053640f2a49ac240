/**
 * `npm run bench:search`: graph-search throughput and ASHA's savings on a tiny space
 * (spaces/tiny.json, Fashion-MNIST subsets), each run through the real `ktg search` CLI on a fresh
 * SQLite study, side by side:
 *   1. random search, 1 worker vs 2 workers: trials per hour (same trials, same graphs);
 *   2. ASHA vs random search on the same sampled graphs: epochs spent as a fraction of the full
 *      budget and the best validation accuracy found.
 *   env: BENCH_TRIALS=8  BENCH_EPOCHS=8  BENCH_TRAIN=500  BENCH_VAL=300
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readStudy } from '../src/search/study';

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'ktg.js');
const trials = Number(process.env.BENCH_TRIALS ?? 8);
const epochs = Number(process.env.BENCH_EPOCHS ?? 8);
const train = process.env.BENCH_TRAIN ?? '500';
const val = process.env.BENCH_VAL ?? '300';

interface Row {
  run: string;
  workers: number;
  seconds: number;
  trialsPerHour: number;
  epochsSpent: number;
  budgetFraction: number;
  best: number;
  completed: number;
  pruned: number;
}

async function run(name: string, workers: number, pruning: boolean): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktg-bench-search-'));
  const storage = `sqlite:${path.join(dir, 'bench.db')}`;
  const args = [cli, 'search', '--space', path.join(root, 'spaces', 'tiny.json'), '--dataset', 'fashion-mnist', '--storage', storage, '--study', name];
  args.push(
    '--trials',
    String(trials),
    '--workers',
    String(workers),
    '--epochs',
    String(epochs),
    '--train-size',
    train,
    '--validation-size',
    val,
    '--batch-size',
    '32',
    '--seed',
    '1',
  );
  if (!pruning) args.push('--no-pruning');
  const t0 = Date.now();
  const res = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  const seconds = (Date.now() - t0) / 1000;
  if (res.status !== 0) throw new Error(`${name} failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  const data = await readStudy(storage, name);
  const p = data.progress;
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    run: name,
    workers,
    seconds,
    trialsPerHour: (trials / seconds) * 3600,
    epochsSpent: data.trials.reduce((s, t) => s + (t.lastEpoch ?? 0), 0),
    budgetFraction: p.budgetFraction,
    best: Math.max(...data.trials.filter((t) => t.status !== 'failed').map((t) => t.value ?? -Infinity)),
    completed: p.byStatus.completed,
    pruned: p.byStatus.pruned,
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(cli)) throw new Error('run `npm run build` first');
  console.log(`tiny space, ${trials} trials × ${epochs} epochs, train ${train} / validation ${val}, ${os.cpus().length} cores`);
  const rows = [await run('random-1w', 1, false), await run('random-2w', 2, false), await run('asha-2w', 2, true)];
  console.log('run        workers  wall s  trials/h  epochs  budget  completed  pruned  best val acc');
  for (const r of rows) {
    console.log(
      `${r.run.padEnd(10)} ${String(r.workers).padStart(7)} ${r.seconds.toFixed(1).padStart(7)} ${r.trialsPerHour.toFixed(0).padStart(9)} ${String(r.epochsSpent).padStart(7)} ${(100 * r.budgetFraction).toFixed(0).padStart(6)}% ${String(r.completed).padStart(10)} ${String(r.pruned).padStart(7)} ${(100 * r.best).toFixed(2).padStart(13)}`,
    );
  }
  const [one, two, asha] = rows;
  console.log(`2 workers vs 1: ${(two.trialsPerHour / one.trialsPerHour).toFixed(2)}× trials per hour`);
  console.log(
    `ASHA vs random search (same graphs): ${(100 * asha.budgetFraction).toFixed(0)}% of the epochs, ${(asha.trialsPerHour / two.trialsPerHour).toFixed(2)}× trials per hour, best ${(100 * asha.best).toFixed(2)} vs ${(100 * two.best).toFixed(2)}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
