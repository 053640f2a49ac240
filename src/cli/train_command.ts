/**
 * `ktg train`: one graph spec, full training, test-set evaluation over several seeds, mean ± std.
 * Each seed is a stored job (`--storage`): run again, the command reuses the seeds that finished.
 */
import * as cliProgress from 'cli-progress';
import * as path from 'path';
import { initBackend } from '../backend';
import { loadDataset } from '../data/registry';
import { describeGraph, isSemiSupervised, parseGraphSpec } from '../graph/spec';
import { meanStdText, summariseRuns } from '../graph/repeat';
import { runJobs } from '../jobs/run_jobs';
import { graphJobsOf, seedList, seedRunOf, TrainJob } from '../jobs/train_jobs';
import { trainPresets } from '../jobs/train_presets';
import { PresetName } from '../presets';
import { readJsonFile, writeJsonFile } from './files';

export interface TrainCommandOptions {
  spec: string;
  dataset: string;
  preset: PresetName;
  /** a count (seeds 0 … n-1) or the seeds themselves */
  seeds?: number | number[];
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
  /** keep each seed's run as a job there: a re-run (or another machine's) reuses what finished */
  storage?: string;
}

export async function runTrainCommand(o: TrainCommandOptions): Promise<void> {
  const spec = parseGraphSpec(readJsonFile(o.spec, 'graph spec'));
  const p = trainPresets[o.preset];
  const seeds = seedList(o.seeds ?? p.seeds);
  const settings = {
    seeds,
    epochs: o.epochs ?? p.epochs,
    trainSize: o.trainSize ?? p.trainSize,
    testSize: o.testSize ?? p.testSize,
    batchSize: o.batchSize ?? p.batchSize,
    lr: o.lr ?? p.lr,
  };
  if (isSemiSupervised(spec) && !o.labelled)
    throw new Error(`${o.spec} has semi-supervised edges: give --labelled N (labelled images out of the training subset)`);
  const all = await loadDataset(o.dataset, { progress: true });
  if (all.train.classes.length !== spec.numClasses)
    throw new Error(`${o.spec} is for ${spec.numClasses} classes but ${o.dataset} has ${all.train.classes.length}`);
  if (all.train.shape.join('x') !== spec.inputShape.join('x'))
    throw new Error(`${o.spec} expects ${spec.inputShape.join('×')} inputs but ${o.dataset} has ${all.train.shape.join('×')}`);
  const semi = o.labelled
    ? { labelled: o.labelled, labelledBatch: o.labelledBatch ?? settings.batchSize, unlabelledBatch: o.unlabelledBatch ?? 7 * settings.batchSize }
    : undefined;
  const train: TrainJob = {
    name: path.basename(o.spec, '.json'),
    spec,
    dataset: o.dataset,
    seeds,
    epochs: settings.epochs,
    trainSize: settings.trainSize,
    testSize: settings.testSize,
    batchSize: settings.batchSize,
    learningRate: settings.lr,
    preset: o.preset,
    ...(semi ? { semi } : {}),
  };
  await initBackend();
  console.log(describeGraph(spec));
  const size = (n: number, total: number) => (n > 0 ? Math.min(n, total) : total);
  const trainCount = size(settings.trainSize, all.train.labels.length);
  console.log(
    `training on ${trainCount} samples, testing on ${size(settings.testSize, all.test.labels.length)}, ${settings.epochs} epochs × ${seeds.length} seeds`,
  );
  if (semi) console.log(`semi-supervised: ${semi.labelled} labelled, ${trainCount - semi.labelled} unlabelled images`);
  const bar = new cliProgress.SingleBar(
    { format: 'epochs |{bar}| {value}/{total} | {run} | target {acc}', noTTYOutput: true, notTTYSchedule: 30_000 },
    cliProgress.Presets.shades_classic,
  );
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  let summary;
  let started = false;
  try {
    summary = await runJobs(graphJobsOf(train), {
      storage: o.storage,
      batch: `train ${train.name}`,
      workers: 0,
      signal: controller.signal,
      onEpoch: (label, m) => {
        if (!started) bar.start(settings.epochs * seeds.length, 0, { run: label, acc: '—' });
        started = true;
        bar.increment(1, { run: label, acc: (100 * m.accuracy[target]).toFixed(2) });
      },
    });
  } catch (err) {
    if (controller.signal.aborted) {
      bar.stop();
      console.error((err as Error).message);
      process.exitCode = 130;
      return;
    }
    throw err;
  } finally {
    bar.stop();
    process.off('SIGINT', stop);
  }
  const runs = summary.outcomes.map(seedRunOf);
  const result = summariseRuns(runs);
  for (const r of runs)
    console.log(
      r.status === 'diverged'
        ? `seed ${r.seed}: diverged: ${r.error ?? 'no reason recorded'}`
        : `seed ${r.seed}: ${r.status}, target ${(100 * r.targetAccuracy).toFixed(2)}%  (nodes: ${r.accuracy.map((a) => (100 * a).toFixed(2)).join(', ')})`,
    );
  const ok = runs.filter((r) => r.status === 'completed');
  if (ok.length) console.log(`target node (${spec.nodes[target].model}) test accuracy: ${meanStdText(result)} % over ${ok.length} seed(s)`);
  if (o.out) writeJsonFile(o.out, { spec, settings, ...result });
  if (ok.length < runs.length)
    throw new Error(
      `${runs.length - ok.length} of ${runs.length} runs diverged: ${runs
        .filter((r) => r.status !== 'completed')
        .map((r) => `seed ${r.seed}: ${r.error ?? r.status}`)
        .join('; ')}`,
    );
}
