/** `ktg train`: one graph spec, full training, test-set evaluation over several seeds, mean ± std. */
import * as cliProgress from 'cli-progress';
import { initBackend } from '../backend';
import { loadDataset } from '../data/registry';
import { describeGraph, isSemiSupervised, parseGraphSpec } from '../graph/spec';
import { meanStdText, repeatOverSeeds } from '../graph/repeat';
import { EpochMetrics, trainGraph } from '../graph/trainer';
import { trainSemiGraph } from '../semi/trainer';
import { labelledSplit, randomSubset } from '../data/splits';
import { PresetName } from '../presets';
import { readJsonFile, writeJsonFile } from './files';

const trainPresets = {
  ci: {
    seeds: 2,
    epochs: 4,
    trainSize: 4000,
    testSize: 2000,
    batchSize: 64,
    lr: 0.05,
    schedule: 'cosine' as const,
    milestones: [] as number[],
    augmentation: 'none' as const,
  },
  cpu: {
    seeds: 5,
    epochs: 30,
    trainSize: 10000,
    testSize: 10000,
    batchSize: 64,
    lr: 0.05,
    schedule: 'cosine' as const,
    milestones: [] as number[],
    augmentation: 'weak' as const,
  },
  paper: {
    seeds: 5,
    epochs: 200,
    trainSize: 0,
    testSize: 0,
    batchSize: 64,
    lr: 0.1,
    schedule: 'step' as const,
    milestones: [60, 120, 180],
    augmentation: 'weak' as const,
  },
};

export interface TrainCommandOptions {
  spec: string;
  dataset: string;
  preset: PresetName;
  seeds?: number;
  epochs?: number;
  trainSize?: number;
  testSize?: number;
  batchSize?: number;
  lr?: number;
  out?: string;
  /** semi-supervised graphs: labelled images (class-balanced) of the training subset; the rest is unlabelled */
  labelled?: number;
  labelledBatch?: number;
  unlabelledBatch?: number;
}

export async function runTrainCommand(o: TrainCommandOptions): Promise<void> {
  const spec = parseGraphSpec(readJsonFile(o.spec, 'graph spec'));
  const p = trainPresets[o.preset];
  const settings = {
    seeds: o.seeds ?? p.seeds,
    epochs: o.epochs ?? p.epochs,
    trainSize: o.trainSize ?? p.trainSize,
    testSize: o.testSize ?? p.testSize,
    batchSize: o.batchSize ?? p.batchSize,
    lr: o.lr ?? p.lr,
  };
  const all = await loadDataset(o.dataset, { progress: true });
  if (all.train.classes.length !== spec.numClasses)
    throw new Error(`${o.spec} is for ${spec.numClasses} classes but ${o.dataset} has ${all.train.classes.length}`);
  if (all.train.shape.join('x') !== spec.inputShape.join('x'))
    throw new Error(`${o.spec} expects ${spec.inputShape.join('×')} inputs but ${o.dataset} has ${all.train.shape.join('×')}`);
  const data = { train: randomSubset(all.train, settings.trainSize, 1), test: randomSubset(all.test, settings.testSize, 2) };
  await initBackend();
  console.log(describeGraph(spec));
  console.log(`training on ${data.train.labels.length} samples, testing on ${data.test.labels.length}, ${settings.epochs} epochs × ${settings.seeds} seeds`);
  const bar = new cliProgress.SingleBar(
    { format: 'epochs |{bar}| {value}/{total} | seed {seed} | target {acc}', noTTYOutput: true, notTTYSchedule: 30_000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(settings.epochs * settings.seeds, 0, { seed: 0, acc: '—' });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  const seeds = Array.from({ length: settings.seeds }, (_, i) => i);
  let result;
  try {
    const common = { epochs: settings.epochs, learningRate: settings.lr, schedule: p.schedule, milestones: p.milestones, signal: controller.signal };
    const progress = (seed: number) => (m: EpochMetrics) => void bar.increment(1, { seed, acc: (100 * m.accuracy[target]).toFixed(2) });
    if (isSemiSupervised(spec) || o.labelled) {
      if (!o.labelled) throw new Error(`${o.spec} has semi-supervised edges: give --labelled N (labelled images out of the training subset)`);
      const { labelled, unlabelled } = labelledSplit(data.train, o.labelled, 0);
      const semiData = { labelled, unlabelled, test: data.test };
      const batches = { labelledBatch: o.labelledBatch ?? settings.batchSize, unlabelledBatch: o.unlabelledBatch ?? 7 * settings.batchSize };
      console.log(`semi-supervised: ${labelled.labels.length} labelled, ${unlabelled.labels.length} unlabelled images`);
      result = await repeatOverSeeds(spec, seeds, (seed) => trainSemiGraph(spec, semiData, { ...common, ...batches, seed, onEpoch: progress(seed) }));
    } else {
      result = await repeatOverSeeds(spec, seeds, (seed) =>
        trainGraph(spec, data, { ...common, batchSize: settings.batchSize, augmentation: p.augmentation, seed, onEpoch: progress(seed) }),
      );
    }
  } finally {
    bar.stop();
    process.off('SIGINT', stop);
  }
  const runs = result.runs;
  for (const r of runs)
    console.log(
      r.status === 'diverged'
        ? `seed ${r.seed}: diverged: ${r.error ?? 'no reason recorded'}`
        : `seed ${r.seed}: ${r.status}, target ${(100 * r.targetAccuracy).toFixed(2)}%  (nodes: ${r.accuracy.map((a) => (100 * a).toFixed(2)).join(', ')})`,
    );
  const ok = runs.filter((r) => r.status === 'completed');
  if (ok.length) console.log(`target node (${spec.nodes[target].model}) test accuracy: ${meanStdText(result)} % over ${ok.length} seed(s)`);
  if (o.out) writeJsonFile(o.out, { spec, settings, ...result });
  if (controller.signal.aborted) process.exitCode = 130;
  else if (ok.length < runs.length)
    throw new Error(
      `${runs.length - ok.length} of ${runs.length} runs diverged: ${runs
        .filter((r) => r.status !== 'completed')
        .map((r) => `seed ${r.seed}: ${r.error ?? r.status}`)
        .join('; ')}`,
    );
}
