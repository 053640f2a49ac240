/** `ktg search`: create or resume a study, then run local workers with a progress bar. */
import * as cliProgress from 'cli-progress';
import * as path from 'path';
import { loadDataset } from '../data/registry';
import { PresetName } from '../presets';
import { runLocalWorkers } from '../search/local_pool';
import { anySpaceSize, parseAnySpace } from '../search/kinds';
import { describeSpaceSize } from '../search/space';
import type { GanSpace } from '../gan/space';
import { objectiveOf } from '../search/kinds/kind_id';
import { searchPresetFor } from '../search/kinds/kind_presets';
import { SearchSpace } from '../search/space';
import { createOrResumeStudy, readStudy, requeueStorageFailures, studyProgress } from '../search/study';
import { StudyConfigInput } from '../search/study_config';
import type { WorkerEvent } from '../search/worker';
import { confirmStudy } from '../jobs/run_confirm';
import { confirmationText } from '../jobs/confirm';
import { openStorage, redactStorageUrl } from '../search/storage/open';
import { readJsonFile } from './files';
import { formatValue, shellArg } from './format';

export interface SearchCommandOptions {
  space?: string;
  dataset?: string;
  preset: PresetName;
  storage: string;
  study?: string;
  trials?: number;
  workers?: number;
  epochs?: number;
  trainSize?: number;
  validationSize?: number;
  batchSize?: number;
  lr?: number;
  metric?: 'target' | 'ensemble';
  eta?: number;
  pruning: boolean;
  seed?: number;
  lease: number;
  /** the confirmation stage: the top k trials retrained on r fresh seeds (default: the preset's); false for none */
  confirm: boolean;
  confirmTop?: number;
  confirmSeeds?: number;
}

function studyName(o: SearchCommandOptions): string {
  if (o.study) return o.study;
  if (o.space) return path.basename(o.space).replace(/\.json$/, '');
  throw new Error('give --study NAME to resume a study, or --space FILE to create one');
}

function readSpaceFile(file: string): SearchSpace | GanSpace {
  const raw = readJsonFile(file, 'search space');
  try {
    return parseAnySpace(raw);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

function configFrom(o: SearchCommandOptions): StudyConfigInput {
  if (!o.space || !o.dataset) throw new Error('creating a study needs --space FILE and --dataset NAME');
  const given = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
  const space = readSpaceFile(o.space);
  // the kind of the space decides the preset's sizes (and, for GAN spaces, the best-IS objective)
  const sizes = searchPresetFor(space, o.preset);
  return {
    ...sizes,
    space,
    dataset: o.dataset,
    trials: given(o.trials, sizes.trials!),
    epochs: given(o.epochs, sizes.epochs!),
    trainSize: given(o.trainSize, sizes.trainSize),
    validationSize: given(o.validationSize, sizes.validationSize!),
    batchSize: given(o.batchSize, sizes.batchSize!),
    learningRate: given(o.lr, sizes.learningRate),
    metric: sizes.metric ?? o.metric,
    seed: o.seed,
    pruner: o.pruning ? { kind: 'asha', reductionFactor: o.eta } : { kind: 'none' },
    confirm: confirmFrom(o, sizes.confirm),
  };
}

function confirmFrom(o: SearchCommandOptions, preset: { top: number; seeds: number } | undefined): { top: number; seeds: number } | undefined {
  if (!o.confirm) return undefined;
  const top = o.confirmTop ?? preset?.top;
  const seeds = o.confirmSeeds ?? preset?.seeds;
  return top && seeds ? { top, seeds } : undefined;
}

export async function runSearchCommand(o: SearchCommandOptions): Promise<void> {
  const name = studyName(o);
  const storage = openStorage(o.storage);
  let study;
  let progress;
  try {
    const existing = await storage.getStudy(name);
    const resumingAsIs = existing && !o.space;
    let requeued: number[];
    if (resumingAsIs) {
      study = existing;
      requeued = await requeueStorageFailures(storage, name);
    } else {
      const made = await createOrResumeStudy(storage, name, configFrom(o));
      study = made.study;
      requeued = made.requeued ?? [];
    }
    const resumed = Boolean(existing);
    const config = study.config;
    const size = anySpaceSize(config.space);
    console.log(`${resumed ? 'resuming' : 'created'} study "${name}" in ${storage.url}`);
    if (requeued.length) console.log(`  ${requeued.length} trial(s) recorded as failed when the storage failed will run again: ${requeued.join(', ')}`);
    console.log(`  space: ${config.space.name} — ${describeSpaceSize(size)}`);
    console.log(
      `  ${config.trials} trials × ≤${config.epochs} epochs on ${config.dataset} (train ${config.trainSize || 'all'}, validation ${config.validationSize}), objective: ${objectiveOf(config).name}, ${config.pruner.kind === 'asha' ? `ASHA η=${config.pruner.reductionFactor}` : 'no pruning'}`,
    );
    progress = studyProgress(config, await storage.trials(name));
    if (resumed)
      console.log(`  kept ${progress.finished} finished trial(s); ${progress.byStatus.running + progress.byStatus.waiting} unfinished will run again`);
  } finally {
    await storage.close();
  }
  // decode the dataset once here, so the workers only read the cache
  await loadDataset(study.config.dataset, { progress: true });

  const total = study.config.trials;
  const bars = new cliProgress.MultiBar(
    { format: 'trials |{bar}| {value}/{total} | best {best} | running {running}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 30_000 },
    cliProgress.Presets.shades_classic,
  );
  // MultiBar.log only prints on a terminal
  const log = (line: string) => (process.stdout.isTTY ? bars.log(`${line}\n`) : console.log(line));
  const bar = bars.create(total, progress.finished, { best: formatValue(progress.best?.value), running: 0 });
  const running = new Set<number>();
  let finished = progress.finished;
  let best = progress.best?.value ?? -Infinity;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      log('interrupt: stopping workers (their running trials will be run again on resume; Ctrl-C again to force)');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let result;
  try {
    result = await runLocalWorkers({
      storageUrl: o.storage,
      study: name,
      workers: o.workers,
      leaseMs: o.lease * 1000,
      signal: controller.signal,
      onEvent: (w, message) => {
        const e = message as WorkerEvent;
        if (e.kind === 'trial-started') running.add(e.number);
        if (e.kind === 'trial-finished') {
          running.delete(e.number);
          finished++;
          if (e.status !== 'failed' && e.value !== undefined && e.value > best) best = e.value;
          log(
            `trial ${e.number} ${e.status} after ${e.epochs} epoch(s)${e.value !== undefined ? `: ${formatValue(e.value)}` : ''}${e.error ? ` — ${e.error}` : ''} [worker ${w}]`,
          );
        }
        if (e.kind === 'trial-lost') running.delete(e.number);
        bar.update(finished, { best: formatValue(Number.isFinite(best) ? best : undefined), running: running.size });
      },
    });
  } finally {
    bars.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const end = await readStudy(o.storage, name);
  const p = end.progress;
  console.log(
    `study "${name}": ${p.finished}/${p.total} finished (${p.byStatus.completed} completed, ${p.byStatus.pruned} pruned, ${p.byStatus.failed} failed), ${(100 * p.budgetFraction).toFixed(1)}% of a full random search's epochs`,
  );
  if (p.best)
    console.log(
      `best search value: trial ${p.best.number}, ${objectiveOf(end.study.config).format(p.best.value)} — export it with: ktg best --storage ${shellArg(redactStorageUrl(o.storage))} --study ${shellArg(name)} --out best.json`,
    );
  if (result.aborted) {
    console.log(`interrupted; resume with: ktg search --storage ${shellArg(redactStorageUrl(o.storage))} --study ${shellArg(name)}`);
    process.exitCode = 130;
    return;
  }
  const crashed = result.exitCodes.map((c, i) => [i, c] as const).filter(([, c]) => c !== 0);
  if (crashed.length) throw new Error(`worker(s) ${crashed.map(([i, c]) => `${i} (exit ${c})`).join(', ')} failed`);
  if (p.finished > 0 && p.byStatus.failed === p.finished) throw new Error(`every trial failed; first error: ${end.trials.find((t) => t.error)?.error}`);
  const settings = end.study.config.confirm;
  if (settings && p.byStatus.completed > 0) {
    console.log(`confirmation: the ${settings.top} best completed trial(s), each trained again on ${settings.seeds} fresh seed(s)`);
    process.on('SIGINT', onSigint);
    try {
      const c = await confirmStudy(o.storage, name, { workers: o.workers, signal: controller.signal, leaseMs: o.lease * 1000 });
      console.log(confirmationText(c, objectiveOf(end.study.config).format));
      if (c.best)
        console.log(
          `study best (confirmed): trial ${c.best.number} — export it with: ktg best --storage ${shellArg(redactStorageUrl(o.storage))} --study ${shellArg(name)} --out best.json`,
        );
    } catch (err) {
      if (!controller.signal.aborted) throw err;
      console.log(`interrupted during the confirmation; resume with: ktg search --storage ${shellArg(redactStorageUrl(o.storage))} --study ${shellArg(name)}`);
      process.exitCode = 130;
    } finally {
      process.off('SIGINT', onSigint);
    }
  }
}
