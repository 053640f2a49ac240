/**
 * `npm run equivalence`: does bf16 train to the same accuracy as fp32? A cnn8 on Fashion-MNIST and a
 * ResNet-20 on CIFAR-10 are trained towards convergence on small sets, each seed once in fp32 and
 * once in bf16 (same data order, same initial weights), alone on the native backend; the paired
 * differences (bf16 − fp32, points of test accuracy) give a 95 % t-interval, which must lie inside
 * ±0.5 points for bf16 to count as equivalent. Writes results/measurements/precision_equivalence.json.
 *
 * The verdict is taken once, over the number of pairs planned for the model (`plannedPairs`, fixed
 * before the pairs ran), pooled over the first run and its replications; a smaller pool is printed as
 * interim, without a verdict. A replication on fresh seeds (EQ_FIRST_SEED > 0) is stored beside the
 * first run, under the model's name with its seeds (e.g. `resnet20, seeds 5–9`), never over it. Each
 * pair is written as soon as it is done: a run stopped half-way and started again with the same
 * variables continues after the last finished pair. Runs of different keys may go on at the same time
 * (e.g. one process per core with KTG_THREADS=1): each write re-reads the file under a lock
 * (`locked_json.ts`) and replaces only its own run, so no process loses another's pairs.
 *   env: EQ_MODELS=cnn8,resnet20  EQ_SEEDS=5  EQ_FIRST_SEED=0  EQ_POOL_ONLY=1 (no training: recompute the
 *   stored runs' intervals and the pools)
 */
import * as path from 'path';
import { initBackend, Precision } from '../src/backend';
import { judgeDifferences, pairedDifferences } from '../src/claims/paired';
import { randomSubset } from '../src/data/splits';
import { loadDataset } from '../src/data/registry';
import { trainGraph, vanillaGraph, disposeModels } from '../src/graph';
import { readJsonFile, updateJsonFile } from './locked_json';

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

/**
 * Pairs the verdict is taken over. cnn8: the first run's 5. resnet20: 100, fixed on 2026-12-06 before
 * seeds 20 and later ran: the first 20 pairs' differences spread by 1.63 points (sd), which puts the
 * 95 % half-width at 20 pairs at ±0.76 and at 100 pairs at ±0.32 — the smallest round number at which
 * a true difference near 0 can land inside ±0.5.
 */
const plannedPairs: Record<string, number> = { cnn8: 5, resnet20: 100 };

const MARGIN = 0.5;

const FILE = path.join(__dirname, '..', 'results', 'measurements', 'precision_equivalence.json');

interface Run {
  setting: Setting;
  seeds: number[];
  backend?: string;
  /** a run resumed on another backend (e.g. other threads): from which seed on, and on what */
  resumedOn?: { fromSeed: number; backend: string }[];
  accuracy: Record<Precision, number[]>;
  seconds: Record<Precision, number[]>;
  [field: string]: unknown;
}

interface Report {
  backend?: string;
  margin?: number;
  /** the first runs recorded their seeds once for all models */
  seeds?: number[];
  models: Record<string, Run>;
  pooled?: Record<string, unknown>;
  recordedAt?: string;
}

/** the stored report, with the first runs' shared fields moved into each run */
function parseReport(stored: Report | undefined): Report {
  if (!stored) return { models: {} };
  for (const run of Object.values(stored.models)) {
    run.seeds ??= stored.seeds ?? [];
    run.backend ??= stored.backend;
  }
  delete stored.seeds;
  return stored;
}

/** changes the stored report under a lock (runs of other keys may be writing theirs at the same time) */
function updateReport(update: (report: Report) => void): Report {
  // beside the claims ledgers, not among them (results/*.json are ledgers)
  return updateJsonFile<Report>(FILE, parseReport, (report) => {
    update(report);
    report.recordedAt = new Date().toISOString();
  });
}

function summarise(label: string, differences: number[]): { mean: number; interval: [number, number]; inside: boolean; line: string } {
  const c = judgeDifferences(differences);
  const inside = c.interval[0] > -MARGIN && c.interval[1] < MARGIN;
  const line = `${label}: bf16 − fp32 = ${c.mean.toFixed(2)} points, 95 % interval [${c.interval[0].toFixed(2)}, ${c.interval[1].toFixed(2)}] over ${c.n} paired seeds`;
  return { mean: c.mean, interval: c.interval, inside, line };
}

/** a model's first run and its replications (`name, seeds a–b`), as stored */
function runsOf(report: Report, name: string): [string, Run][] {
  return Object.entries(report.models).filter(([key]) => key === name || key.startsWith(`${name}, seeds `));
}

/**
 * The pooled differences of a model's first run and replications, in seed order, and the verdict
 * once the planned pairs are in: over exactly seeds 0 … `plannedPairs` − 1 (however the runs that
 * trained them were split or ordered); pairs of later seeds are counted but left out of it.
 */
function pool(report: Report, name: string): Record<string, unknown> {
  const runs = runsOf(report, name);
  const pairs = runs
    .flatMap(([, run]) => run.accuracy.bf16.map((bf16, i) => ({ seed: run.seeds[i], difference: bf16 - run.accuracy.fp32[i] })))
    .sort((x, y) => x.seed - y.seed);
  const seeds = pairs.map((p) => p.seed);
  if (new Set(seeds).size !== seeds.length) throw new Error(`${name}: a seed is stored in two runs (${seeds.join(', ')})`);
  const planned = plannedPairs[name];
  const judged = pairs.filter((p) => p.seed < planned);
  if (judged.length < 2) return { runs: runs.map(([key]) => key), pairs: judged.length, plannedPairs: planned, equivalent: null };
  const last = judged[judged.length - 1].seed;
  // runs going on at once can leave seeds missing in the middle of an interim pool
  const missing = Array.from({ length: last - seeds[0] + 1 }, (_, i) => seeds[0] + i).filter((seed) => !seeds.includes(seed));
  const s = summarise(
    `${name}, seeds ${seeds[0]}–${last}${missing.length ? ` except ${missing.join(', ')}` : ''} pooled over ${runs.length} runs`,
    judged.map((p) => p.difference),
  );
  const beyond = pairs.length > judged.length ? ` (${pairs.length - judged.length} more pairs stored beyond the plan, not in the verdict)` : '';
  const status =
    judged.length < planned
      ? `interim, ${judged.length} of ${planned} planned pairs: no verdict`
      : `${s.inside ? 'inside' : 'not inside'} ±${MARGIN}: bf16 ${s.inside ? 'is' : 'is not shown'} equivalent${beyond}`;
  const line = `${s.line}: ${status}`;
  console.log(line);
  return {
    runs: runs.map(([key]) => key),
    pairs: judged.length,
    plannedPairs: planned,
    mean: s.mean,
    interval: s.interval,
    equivalent: judged.length >= planned ? s.inside : null,
    summary: line,
  };
}

/** a run's own interval (a stopped run: over its finished pairs) */
function summariseRun(key: string, run: Run): void {
  if (run.accuracy.bf16.length < 2) return;
  const differences = pairedDifferences(run.accuracy.bf16, run.accuracy.fp32);
  const sm = summarise(key, differences);
  const finished = run.accuracy.bf16.length < run.seeds.length ? ` (${run.accuracy.bf16.length} of its ${run.seeds.length} seeds run)` : '';
  Object.assign(run, {
    differences,
    mean: sm.mean,
    interval: sm.interval,
    equivalent: sm.inside,
    summary: `${sm.line}${finished}: ${sm.inside ? 'inside' : 'not inside'} ±${MARGIN}`,
  });
  console.log(run.summary);
}

async function main(): Promise<void> {
  const models = (process.env.EQ_MODELS ?? 'cnn8,resnet20').split(',');
  const firstSeed = Number(process.env.EQ_FIRST_SEED ?? 0);
  if (!Number.isInteger(firstSeed) || firstSeed < 0) throw new Error(`EQ_FIRST_SEED must be a non-negative integer, got ${process.env.EQ_FIRST_SEED}`);
  const seeds = Array.from({ length: Number(process.env.EQ_SEEDS ?? 5) }, (_, i) => firstSeed + i);
  const keyOf = (name: string) => (firstSeed === 0 ? name : `${name}, seeds ${seeds[0]}–${seeds[seeds.length - 1]}`);
  if (process.env.EQ_POOL_ONLY === '1') {
    // no training (and no backend): the stored runs' intervals and the pools, e.g. after a run was stopped
    updateReport((stored) => {
      for (const name of models) {
        for (const [key, run] of runsOf(stored, name)) summariseRun(key, run);
        stored.pooled = { ...stored.pooled, [name]: pool(stored, name) };
      }
    });
    process.exit(0);
  }
  const info = await initBackend({ backend: 'native', precision: 'bf16' });
  if (info.precision !== 'bf16') throw new Error(`bf16 is not available here: ${info.precisionFallback}`);
  for (const name of models) {
    const s = settings[name];
    if (!s) throw new Error(`unknown model ${name} (known: ${Object.keys(settings).join(', ')})`);
    const key = keyOf(name);
    // read afresh for each model: a run of other seeds may be writing to the file at the same time
    const current = parseReport(readJsonFile<Report>(FILE));
    const stored = current.models[key];
    if (stored && (JSON.stringify(stored.setting) !== JSON.stringify(s) || JSON.stringify(stored.seeds) !== JSON.stringify(seeds)))
      throw new Error(`${key} is stored with other settings or seeds (${stored.seeds.join(', ')}); it is never overwritten`);
    // a seed trained under two keys would count twice in the pool: refuse before training, not at the end
    for (const [other, otherRun] of runsOf(current, name))
      if (other !== key && otherRun.seeds.some((seed) => seeds.includes(seed)))
        throw new Error(`${key} overlaps ${other} (seeds ${otherRun.seeds[0]}–${otherRun.seeds[otherRun.seeds.length - 1]}); pick seeds no stored run has`);
    const run: Run = stored ?? { setting: s, seeds, backend: info.detail, accuracy: { fp32: [], bf16: [] }, seconds: { fp32: [], bf16: [] } };
    const done = run.accuracy.bf16.length;
    if (done > 0) console.log(`${key}: ${done} of ${seeds.length} pairs stored, continuing with seed ${seeds[done] ?? '(none left)'}`);
    const lastBackend = run.resumedOn?.[run.resumedOn.length - 1]?.backend ?? run.backend;
    if (done < seeds.length && lastBackend !== info.detail) (run.resumedOn ??= []).push({ fromSeed: seeds[done], backend: info.detail });
    const all = await loadDataset(s.dataset);
    const data = { train: randomSubset(all.train, s.trainSize, 1), test: randomSubset(all.test, s.testSize, 2) };
    const spec = vanillaGraph({ numClasses: all.train.classes.length, inputShape: all.train.shape, model: s.model });
    for (const seed of seeds.slice(done)) {
      const pair: Partial<Record<Precision, { accuracy: number; seconds: number }>> = {};
      for (const precision of ['fp32', 'bf16'] as Precision[]) {
        await initBackend({ backend: 'native', precision, quiet: true });
        const t0 = Date.now();
        const result = await trainGraph(spec, data, { epochs: s.epochs, batchSize: 64, learningRate: s.learningRate, seed, augmentation: s.augmentation });
        if (result.status !== 'completed') throw new Error(`${name} seed ${seed} ${precision}: ${result.status} ${result.error ?? ''}`);
        pair[precision] = { accuracy: 100 * result.targetAccuracy, seconds: (Date.now() - t0) / 1000 };
        disposeModels(result);
        console.log(`${name} seed ${seed} ${precision}: ${(100 * result.targetAccuracy).toFixed(2)} % in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      // both precisions of a seed, or neither: a stop in between leaves no half pair
      for (const precision of ['fp32', 'bf16'] as Precision[]) {
        run.accuracy[precision].push(pair[precision]!.accuracy);
        run.seconds[precision].push(pair[precision]!.seconds);
      }
      updateReport((stored) => {
        stored.backend = info.detail;
        stored.margin = MARGIN;
        stored.models[key] = run;
      });
    }
    summariseRun(key, run);
    updateReport((stored) => {
      stored.models[key] = run;
      stored.pooled = { ...stored.pooled, [name]: pool(stored, name) };
    });
  }
  console.log(`written to ${path.relative(process.cwd(), FILE)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
