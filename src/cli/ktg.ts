#!/usr/bin/env node
/**
 * `ktg`: graph search from the command line.
 *   ktg search  --space spaces/tiny.json --dataset fashion-mnist [--workers 2] [--storage URL] [--study NAME]
 *   ktg worker  --storage redis://host:6379 --study NAME        (one per machine / GPU)
 *   ktg worker  --storage redis://host:6379 --jobs              (stored jobs: retraining, experiment seeds)
 *   ktg status  [--study NAME]      progress and best so far
 *   ktg show    --study NAME        every trial
 *   ktg best    --study NAME [--out best.json]
 *   ktg train   --spec best.json --dataset fashion-mnist [--seeds 5]
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runListCommand } from './list_command';
import { runBest, runShow, runStatus } from './report_commands';
import { runSearchCommand } from './search_command';
import { runTrainCommand } from './train_command';
import { runWorkerCommand } from './worker_command';
import { defaultStorageUrl } from '../search/storage/open';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** "5" (seeds 0 … 4) or "10,11,12" (those seeds) */
function seedsArgument(value: string): number | number[] {
  if (!value.includes(',')) return positiveInt(value);
  const seeds = value.split(',').map((v) => Number(v.trim()));
  if (seeds.some((n) => !Number.isInteger(n) || n < 0))
    throw new InvalidArgumentError(`expected seeds as non-negative integers separated by commas, got "${value}"`);
  if (new Set(seeds).size !== seeds.length) throw new InvalidArgumentError(`a seed appears twice in "${value}"`);
  return seeds;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer ≥ 0, got "${value}"`);
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

const storageOption = () =>
  new Option('--storage <url>', 'study storage: sqlite:PATH or redis://host:port').default(process.env.KTG_STORAGE ?? defaultStorageUrl);
const presetOption = () => new Option('--preset <name>', 'experiment size').choices(['ci', 'cpu', 'paper']).default(process.env.KTG_PRESET ?? 'ci');

export function buildProgram(): Command {
  const program = new Command('ktg').description('knowledge transfer graphs: search, workers, results').showHelpAfterError().exitOverride();

  program
    .command('search')
    .description('run (or resume) a graph search with local worker processes')
    .option('--space <file>', 'search space JSON (see spaces/); needed to create a study')
    .option('--dataset <name>', 'dataset name (fashion-mnist, cifar10, cifar100)')
    .addOption(presetOption())
    .addOption(storageOption())
    .option('--study <name>', 'study name (default: the space file name)')
    .option('--trials <n>', 'number of trials', positiveInt)
    .option('--workers <n>', 'local worker processes (default: number of cores)', positiveInt)
    .option('--epochs <n>', 'epochs per trial', positiveInt)
    .option('--train-size <n>', 'training samples (0 = all after the validation split)', nonNegativeInt)
    .option('--validation-size <n>', 'validation samples carved out of the training set', positiveInt)
    .option('--batch-size <n>', 'batch size', positiveInt)
    .option('--lr <x>', 'learning rate', positiveNumber)
    .addOption(new Option('--metric <name>', 'objective').choices(['target', 'ensemble']))
    .option('--eta <n>', 'ASHA reduction factor', positiveNumber)
    .option('--no-pruning', 'plain random search: every trial trains all epochs')
    .option('--seed <n>', 'study seed', nonNegativeInt)
    .option('--confirm-top <k>', "confirmation: retrain the k best trials on fresh seeds (default: the preset's)", positiveInt)
    .option('--confirm-seeds <r>', "confirmation: fresh seeds per confirmed trial (default: the preset's)", positiveInt)
    .option('--no-confirm', "no confirmation stage: the best search value is the study's best")
    .option('--lease <seconds>', 'a silent worker loses its trial after this long', positiveNumber, 120)
    .action(runSearchCommand);

  program
    .command('worker')
    .description('run trials of an existing study until it is done, or stored jobs (--jobs) until none is left (start one per machine)')
    .addOption(storageOption())
    .option('--study <name>', 'study name')
    .option('--jobs', 'run stored jobs (retraining, seeds of an experiment) instead of trials')
    .option('--batch <name>', 'with --jobs: only the jobs of this batch')
    .option('--lease <seconds>', 'a silent worker loses its trial or job after this long', positiveNumber, 120)
    .option('--max-trials <n>', 'stop after this many trials (or jobs)', positiveInt)
    .action(runWorkerCommand);

  program
    .command('status')
    .description('progress and best value of each study (or one), and the stored jobs per batch (or each job of one batch)')
    .addOption(storageOption())
    .option('--study <name>', 'study name')
    .option('--batch <name>', 'list every job of this batch with its state')
    .action(runStatus);
  program.command('show').description('every trial of a study').addOption(storageOption()).requiredOption('--study <name>', 'study name').action(runShow);
  program
    .command('best')
    .description('print the best graph of a study and export its spec')
    .addOption(storageOption())
    .requiredOption('--study <name>', 'study name')
    .option('--out <file>', 'write the graph spec JSON here')
    .option('--dot <file>', 'write the Graphviz diagram here')
    .action(runBest);

  program
    .command('list')
    .description('the gates, losses or models a spec may name (from the registries)')
    .argument('<what>', 'gates | losses | models')
    .action(runListCommand);

  program
    .command('train')
    .description('train one graph spec on the full training set and evaluate on the test set over several seeds')
    .requiredOption('--spec <file>', 'graph spec JSON (e.g. from `ktg best --out`)')
    .requiredOption('--dataset <name>', 'dataset name')
    .addOption(presetOption())
    .option('--seeds <n|list>', 'number of seeds (0 … n-1), or the seeds themselves: 10,11,12', seedsArgument)
    .option('--epochs <n>', 'epochs', positiveInt)
    .option('--train-size <n>', 'training samples (0 = all)', nonNegativeInt)
    .option('--test-size <n>', 'test samples (0 = all)', nonNegativeInt)
    .option('--batch-size <n>', 'batch size', positiveInt)
    .option('--lr <x>', 'learning rate', positiveNumber)
    .option('--out <file>', 'write per-seed results as JSON')
    .option('--labelled <n>', 'semi-supervised: labelled images (class-balanced) of the training subset; the rest is unlabelled', positiveInt)
    .option('--labelled-batch <n>', 'semi-supervised: labelled images per step (default: --batch-size)', positiveInt)
    .option('--unlabelled-batch <n>', 'semi-supervised: unlabelled images per step (default: 7 × batch size)', positiveInt)
    .option('--storage <url>', 'keep each seed as a job in this study storage (sqlite:PATH, redis://…): a re-run reuses finished seeds')
    .action(runTrainCommand);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code?.startsWith('commander.')) return (err as { exitCode?: number }).exitCode ?? 1;
    console.error(`ktg: ${(err as Error).message}`);
    return 1;
  }
}

/**
 * Exits once stdout and stderr have handed everything to the OS: into a pipe, `process.exit` right
 * after the last write would cut the output short (`ktg status | wc -c` saw 128 KiB of 1.4 MB).
 */
export function exitAfterOutput(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/** a reader that closed its end early (`ktg show | head`) ends the command quietly with its own code, not with an EPIPE stack */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

if (require.main === module) {
  quietOnClosedPipe(process.stdout);
  main(process.argv).then(
    (code) => exitAfterOutput(code),
    (err) => {
      console.error(err);
      exitAfterOutput(1);
    },
  );
}
