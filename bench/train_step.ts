/**
 * `npm run bench`: ms per training step (batch 64) of ResNet-20, the small CNN and one DCGAN step on
 * every available tfjs backend (tensorflow, native, wasm) and on PyTorch (the peer), in one run.
 * Each (backend, model) runs in a fresh process (bench/step_worker.ts). Then a kernel profile of
 * what remains on the fastest backend, and last the line `worst tfjs/pytorch ratio: X` for it.
 *   env: BENCH_MODELS=resnet20,smallcnn,dcgan  BENCH_STEPS=10  BENCH_CPU=1 (also time the slow cpu backend)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

interface Row {
  backend: string;
  threads: number;
  model: string;
  msPerStep: number;
}

const models = (process.env.BENCH_MODELS ?? 'resnet20,smallcnn,dcgan').split(',');
const steps = Number(process.env.BENCH_STEPS ?? 10);
const batch = 64;
const root = path.resolve(__dirname, '..');
const python = '/usr/bin/python3';

function parseRows(stdout: string): Row[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
}

const unavailable = new Set<string>();

function runTfjs(backend: string, threads: number, model: string): Row | undefined {
  if (unavailable.has(backend)) return undefined;
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const res = spawnSync(tsx, [path.join(__dirname, 'step_worker.ts'), backend, String(threads), model, String(batch), String(steps)], {
    encoding: 'utf8',
    timeout: 20 * 60_000,
  });
  const rows = parseRows(res.stdout ?? '');
  if (rows.length === 0 && /is installed|not installed|requested, but/.test(res.stderr ?? '')) {
    unavailable.add(backend);
    console.log(
      `  ${backend}: not available (${(res.stderr ?? '')
        .split('\n')
        .find((l) => /requested, but|installed/.test(l))
        ?.replace(/^Error: /, '')
        .trim()}), skipped`,
    );
    return undefined;
  }
  if (rows.length === 0) {
    console.log(`  ${backend}/${threads}t ${model}: failed (${(res.stderr ?? '').trim().split('\n').slice(-1)[0] ?? res.signal})`);
    return undefined;
  }
  // the backend actually chosen may differ from the one asked for (e.g. tensorflow absent)
  return rows[0].backend === backend ? rows[0] : undefined;
}

function runPytorch(): Row[] {
  if (!fs.existsSync(python)) {
    console.log(`PyTorch peer skipped: ${python} not found (install Debian python3-torch libopenblas0-pthread)`);
    return [];
  }
  const res = spawnSync(python, [path.join(__dirname, 'pytorch_peer.py'), models.join(','), String(batch), String(steps)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '2' },
    timeout: 20 * 60_000,
  });
  if (res.status !== 0) {
    const why = (res.stderr ?? '').includes('No module named')
      ? 'torch is not installed for /usr/bin/python3 (apt-get install python3-torch libopenblas0-pthread)'
      : (res.stderr ?? '').trim().split('\n').slice(-1)[0];
    console.log(`PyTorch peer skipped: ${why}`);
    return [];
  }
  return parseRows(res.stdout);
}

function main(): void {
  const configs: Array<[string, number]> = [
    ['tensorflow', 2],
    ['native', 1],
    ['native', 2],
    ['wasm', 1],
    ['wasm', 2],
  ];
  if (process.env.BENCH_CPU === '1') configs.push(['cpu', 1]);
  const rows: Row[] = [];
  for (const model of models) {
    for (const [backend, threads] of configs) {
      const row = runTfjs(backend, threads, model);
      if (row) rows.push(row);
    }
  }
  const torchRows = runPytorch();
  rows.push(...torchRows);
  const columns = [...new Set(rows.map((r) => `${r.backend}/${r.threads}t`))];
  console.log(`\nms per training step, batch ${batch} (median of ${steps})`);
  console.log(['model'.padEnd(10), ...columns.map((c) => c.padStart(14))].join(''));
  for (const model of models) {
    const cells = columns.map((c) => rows.find((r) => r.model === model && `${r.backend}/${r.threads}t` === c));
    console.log([model.padEnd(10), ...cells.map((r) => (r ? r.msPerStep.toFixed(0) : '-').padStart(14))].join(''));
  }
  if (torchRows.length === 0) {
    console.log('worst tfjs/pytorch ratio: n/a (no PyTorch peer)');
    return;
  }
  // the fastest tfjs configuration overall (lowest total time over the models)
  const tfjsColumns = columns.filter((c) => !c.startsWith('pytorch'));
  const total = (c: string) => models.reduce((s, m) => s + (rows.find((r) => r.model === m && `${r.backend}/${r.threads}t` === c)?.msPerStep ?? Infinity), 0);
  const best = tfjsColumns.sort((a, b) => total(a) - total(b))[0];
  const ratios = models.map((m) => {
    const t = rows.find((r) => r.model === m && `${r.backend}/${r.threads}t` === best)!;
    const p = torchRows.find((r) => r.model === m)!;
    return { m, ratio: t.msPerStep / p.msPerStep };
  });
  const [bestBackend, bestThreads] = best.replace(/t$/, '').split('/');
  for (const model of models) {
    const profile = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'profile_kernels.ts'), model, bestBackend, bestThreads], {
      encoding: 'utf8',
      timeout: 10 * 60_000,
    });
    console.log(`\nwhat remains, ${(profile.stdout ?? '').split('\n').slice(0, 9).join('\n')}`);
  }
  console.log(`\ntfjs/pytorch ratio (${best}): ${ratios.map((r) => `${r.m} ${r.ratio.toFixed(2)}×`).join(', ')}`);
  console.log(`worst tfjs/pytorch ratio: ${Math.max(...ratios.map((r) => r.ratio)).toFixed(2)}`);
}

main();
