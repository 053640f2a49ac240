/**
 * Retraining several graphs (the searched ones and the baselines) over several seeds, with jobs run
 * concurrently as `ktg train` processes of ⌊cores / workers⌋ threads each — how the thesis' tables
 * are filled on one machine. Each job's per-seed results come back as `RepeatedResult`.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { meanStdText, RepeatedResult } from '../graph/repeat';
import { GraphSpec, GraphSpecInput, parseGraphSpec } from '../graph/spec';
import type { PresetName } from '../presets';
import { cliEntry } from './local_pool';

export interface TrainJob {
  name: string;
  spec: GraphSpecInput | GraphSpec;
  dataset: string;
  seeds: number;
  epochs: number;
  trainSize: number;
  testSize: number;
  batchSize: number;
  learningRate: number;
  /** schedule and augmentation of `ktg train --preset` */
  preset: PresetName;
  /** semi-supervised graphs: labelled images of the training subset and batch sizes */
  semi?: { labelled: number; labelledBatch: number; unlabelledBatch: number };
}

export interface TrainJobResult extends RepeatedResult {
  name: string;
  seconds: number;
}

function runJob(job: TrainJob, dir: string, threads: number, index: number): Promise<TrainJobResult> {
  const specFile = path.join(dir, `job${index}.spec.json`);
  const outFile = path.join(dir, `job${index}.out.json`);
  fs.writeFileSync(specFile, JSON.stringify(parseGraphSpec(job.spec)));
  const entry = cliEntry();
  const args = [
    ...entry.execArgv,
    entry.file,
    'train',
    '--spec',
    specFile,
    '--dataset',
    job.dataset,
    '--preset',
    job.preset,
    '--seeds',
    String(job.seeds),
    '--epochs',
    String(job.epochs),
  ];
  args.push(
    '--train-size',
    String(job.trainSize),
    '--test-size',
    String(job.testSize),
    '--batch-size',
    String(job.batchSize),
    '--lr',
    String(job.learningRate),
    '--out',
    outFile,
  );
  if (job.semi)
    args.push(
      '--labelled',
      String(job.semi.labelled),
      '--labelled-batch',
      String(job.semi.labelledBatch),
      '--unlabelled-batch',
      String(job.semi.unlabelledBatch),
    );
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, KTG_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 || !fs.existsSync(outFile)) return reject(new Error(`training job "${job.name}" failed (exit ${code}):\n${output.slice(-2000)}`));
      const saved = JSON.parse(fs.readFileSync(outFile, 'utf8')) as RepeatedResult;
      resolve({ name: job.name, runs: saved.runs, mean: saved.mean, std: saved.std, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** Runs the jobs, `workers` at a time (default: cores); results in the order of `jobs`. */
export async function runTrainJobs(jobs: TrainJob[], options: { workers?: number; log?: boolean } = {}): Promise<TrainJobResult[]> {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const workers = Math.max(1, Math.min(options.workers ?? cores, jobs.length));
  const threads = Math.max(1, Math.floor(cores / workers));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktg-train-jobs-'));
  const results: TrainJobResult[] = new Array(jobs.length);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < jobs.length) {
          const i = next++;
          results[i] = await runJob(jobs[i], dir, threads, i);
          if (options.log !== false) console.log(`  ${jobs[i].name.padEnd(24)} ${meanStdText(results[i])} %  (${results[i].seconds.toFixed(0)} s)`);
        }
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
