/**
 * `npm run equivalence`: does bf16 train to the same accuracy as fp32? A cnn8 on Fashion-MNIST and a
 * ResNet-20 on CIFAR-10 are trained towards convergence on small sets, each seed once in fp32 and
 * once in bf16 (same data order, same initial weights), alone on the native backend; the paired
 * differences (bf16 − fp32, points of test accuracy) give a 95 % t-interval, which must lie inside
 * ±0.5 points for bf16 to count as equivalent. Writes results/measurements/precision_equivalence.json.
 * A replication on fresh seeds (EQ_FIRST_SEED > 0) is stored beside the first run, under the model's
 * name with its seeds (e.g. `resnet20, seeds 5–9`), never over it.
 *   env: EQ_MODELS=cnn8,resnet20  EQ_SEEDS=5  EQ_FIRST_SEED=0
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend, Precision } from '../src/backend';
import { pairedComparison } from '../src/claims/paired';
import { randomSubset } from '../src/data/splits';
import { loadDataset } from '../src/data/registry';
import { trainGraph, vanillaGraph, disposeModels } from '../src/graph';

interface Setting {
  model: string;
  dataset: string;
  trainSize: number;
  testSize: number;
  epochs: number;
  learningRate: number;
  augmentation: 'none' | 'weak';
}

/** fixed before the first run: each converges (cosine schedule to 0) within its epochs on this machine in a few minutes per seed and precision */
const settings: Record<string, Setting> = {
  cnn8: { model: 'cnn8', dataset: 'fashion-mnist', trainSize: 5000, testSize: 10000, epochs: 15, learningRate: 0.05, augmentation: 'none' },
  resnet20: { model: 'resnet20', dataset: 'cifar10', trainSize: 5000, testSize: 5000, epochs: 12, learningRate: 0.1, augmentation: 'weak' },
};

const MARGIN = 0.5;

async function main(): Promise<void> {
  const models = (process.env.EQ_MODELS ?? 'cnn8,resnet20').split(',');
  const firstSeed = Number(process.env.EQ_FIRST_SEED ?? 0);
  if (!Number.isInteger(firstSeed) || firstSeed < 0) throw new Error(`EQ_FIRST_SEED must be a non-negative integer, got ${process.env.EQ_FIRST_SEED}`);
  const seeds = Array.from({ length: Number(process.env.EQ_SEEDS ?? 5) }, (_, i) => firstSeed + i);
  const keyOf = (name: string) => (firstSeed === 0 ? name : `${name}, seeds ${seeds[0]}–${seeds[seeds.length - 1]}`);
  const info = await initBackend({ backend: 'native', precision: 'bf16' });
  if (info.precision !== 'bf16') throw new Error(`bf16 is not available here: ${info.precisionFallback}`);
  const report: Record<string, unknown> = { backend: info.detail, margin: MARGIN, models: {} };
  for (const name of models) {
    const s = settings[name];
    if (!s) throw new Error(`unknown model ${name} (known: ${Object.keys(settings).join(', ')})`);
    const all = await loadDataset(s.dataset);
    const data = { train: randomSubset(all.train, s.trainSize, 1), test: randomSubset(all.test, s.testSize, 2) };
    const spec = vanillaGraph({ numClasses: all.train.classes.length, inputShape: all.train.shape, model: s.model });
    const accuracy: Record<Precision, number[]> = { fp32: [], bf16: [] };
    const seconds: Record<Precision, number[]> = { fp32: [], bf16: [] };
    for (const seed of seeds) {
      for (const precision of ['fp32', 'bf16'] as Precision[]) {
        await initBackend({ backend: 'native', precision, quiet: true });
        const t0 = Date.now();
        const result = await trainGraph(spec, data, { epochs: s.epochs, batchSize: 64, learningRate: s.learningRate, seed, augmentation: s.augmentation });
        if (result.status !== 'completed') throw new Error(`${name} seed ${seed} ${precision}: ${result.status} ${result.error ?? ''}`);
        accuracy[precision].push(100 * result.targetAccuracy);
        seconds[precision].push((Date.now() - t0) / 1000);
        disposeModels(result);
        console.log(`${name} seed ${seed} ${precision}: ${(100 * result.targetAccuracy).toFixed(2)} % in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
    const c = pairedComparison(accuracy.bf16, accuracy.fp32);
    const inside = c.interval[0] > -MARGIN && c.interval[1] < MARGIN;
    const line = `${keyOf(name)}: bf16 − fp32 = ${c.mean.toFixed(2)} points, 95 % interval [${c.interval[0].toFixed(2)}, ${c.interval[1].toFixed(2)}] over ${c.n} paired seeds: ${inside ? 'inside' : 'not inside'} ±${MARGIN}`;
    console.log(line);
    (report.models as Record<string, unknown>)[keyOf(name)] = {
      setting: s,
      seeds,
      backend: info.detail,
      accuracy,
      seconds,
      differences: c.differences,
      mean: c.mean,
      interval: c.interval,
      equivalent: inside,
      summary: line,
    };
  }
  // beside the claims ledgers, not among them (results/*.json are ledgers)
  const file = path.join(__dirname, '..', 'results', 'measurements', 'precision_equivalence.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // models measured by earlier runs stay (one model per run is how it fits beside other work)
  const earlier = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { backend?: string; seeds?: number[]; models?: Record<string, Record<string, unknown>> })
    : undefined;
  // the first runs recorded their seeds and backend once for all models
  const earlierModels = Object.fromEntries(
    Object.entries(earlier?.models ?? {}).map(([k, m]) => [k, { seeds: earlier?.seeds, backend: earlier?.backend, ...m }]),
  );
  const measured = { ...earlierModels, ...(report.models as Record<string, unknown>) };
  fs.writeFileSync(file, JSON.stringify({ ...report, models: measured, recordedAt: new Date().toISOString() }, null, 1) + '\n');
  console.log(`written to ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
