/**
 * `npm run bench`: ms per training step (batch 64) of ResNet-20, the small CNN and one DCGAN step on
 * every available tfjs backend (tensorflow, native in fp32 and bf16, wasm) and on PyTorch (the peer,
 * fp32 and under torch.autocast('cpu', bfloat16)), in one run. Each (backend, model, precision) runs
 * in a fresh process (bench/step_worker.ts). Then the share of the machine's peak each native step
 * reaches (its convolution and product FLOPs against a large oneDNN product's rate in the same
 * precision), a kernel profile of what remains on the fastest backend, the line
 * `worst ktg-bf16/pytorch-fp32 ratio: Y`, and last `worst tfjs/pytorch ratio: X` (ktg's fastest mode
 * against PyTorch's fastest mode).
 * Every configuration and the peer run once per round, rounds one after another, and each cell is the
 * median over the rounds: this VM's speed drifts by tens of percent over minutes (ResNet-20 bf16 63
 * then 87 ms in two runs ten minutes apart), so one pass compares moments, not backends.
 *   env: BENCH_MODELS=resnet20,smallcnn,dcgan  BENCH_STEPS=10  BENCH_ROUNDS=3  BENCH_CPU=1 (also time the slow cpu backend)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

interface Row {
  backend: string;
  threads: number;
  model: string;
  msPerStep: number;
  precision?: string;
  /** convolution and matrix-product FLOPs of one step (native backend) */
  flops?: number;
  /** gemm-peak rows: the product's rate */
  gflops?: number;
  /** which round of the bench measured it */
  round?: number;
}

/** a table column: backend/threads, with the precision when it is not fp32 */
const columnOf = (r: Row) => `${r.backend}/${r.threads}t${r.precision && r.precision !== 'fp32' ? `/${r.precision}` : ''}`;

const models = (process.env.BENCH_MODELS ?? 'resnet20,smallcnn,dcgan').split(',');
const steps = Number(process.env.BENCH_STEPS ?? 10);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
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

function runTfjs(backend: string, threads: number, model: string, precision = 'fp32'): Row | undefined {
  const key = `${backend}/${precision}`;
  if (unavailable.has(backend) || unavailable.has(key)) return undefined;
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const res = spawnSync(tsx, [path.join(__dirname, 'step_worker.ts'), backend, String(threads), model, String(batch), String(steps), precision], {
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
  if (rows.length === 0 && /requested, but/.test(res.stderr ?? '') && precision !== 'fp32') {
    unavailable.add(key);
    console.log(
      `  ${key}: not available (${(res.stderr ?? '')
        .split('\n')
        .find((l) => /requested, but/.test(l))
        ?.trim()}), skipped`,
    );
    return undefined;
  }
  if (rows.length === 0) {
    console.log(`  ${backend}/${threads}t/${precision} ${model}: failed (${(res.stderr ?? '').trim().split('\n').slice(-1)[0] ?? res.signal})`);
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
  const res = spawnSync(python, [path.join(__dirname, 'pytorch_peer.py'), models.join(','), String(batch), String(steps), 'fp32,bf16'], {
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
  const configs: Array<[string, number, string]> = [
    ['tensorflow', 2, 'fp32'],
    ['native', 1, 'fp32'],
    ['native', 2, 'fp32'],
    ['native', 2, 'bf16'],
    ['wasm', 1, 'fp32'],
    ['wasm', 2, 'fp32'],
  ];
  if (process.env.BENCH_CPU === '1') configs.push(['cpu', 1, 'fp32']);
  const samples: Row[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const model of models) {
      for (const [backend, threads, precision] of configs) {
        const row = runTfjs(backend, threads, model, precision);
        if (row) samples.push({ ...row, round });
      }
    }
    samples.push(...runPytorch().map((r) => ({ ...r, round })));
  }
  const peaks = ['fp32', 'bf16'].map((p) => runTfjs('native', 2, 'gemm-peak', p)).filter((r): r is Row => r !== undefined);
  // one row per (model, column): the median round
  const rows: Row[] = [];
  for (const key of new Set(samples.map((r) => `${r.model}|${columnOf(r)}`))) {
    const group = samples.filter((r) => `${r.model}|${columnOf(r)}` === key).sort((a, b) => a.msPerStep - b.msPerStep);
    rows.push(group[Math.floor(group.length / 2)]);
  }
  const torchRows = rows.filter((r) => r.backend === 'pytorch');
  const columns = [...new Set(rows.map(columnOf))];
  const cell = (model: string, column: string) => rows.find((r) => r.model === model && columnOf(r) === column);
  const spread = (model: string, column: string) => {
    const ms = samples.filter((r) => r.model === model && columnOf(r) === column).map((r) => r.msPerStep);
    return ms.length > 1 ? `${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}` : '';
  };
  console.log(`\nms per training step, batch ${batch} (median of ${rounds} round${rounds === 1 ? '' : 's'}, each the median of ${steps} steps)`);
  console.log(['model'.padEnd(10), ...columns.map((c) => c.padStart(16))].join(''));
  for (const model of models) console.log([model.padEnd(10), ...columns.map((c) => (cell(model, c)?.msPerStep.toFixed(0) ?? '-').padStart(16))].join(''));
  if (rounds > 1) {
    console.log('range over the rounds');
    for (const model of models) console.log([model.padEnd(10), ...columns.map((c) => spread(model, c).padStart(16))].join(''));
  }

  if (peaks.length) {
    console.log(
      `\nshare of the machine's peak (a 1536³ oneDNN product, 2 threads: ${peaks.map((p) => `${p.precision} ${p.gflops!.toFixed(0)} GFLOP/s`).join(', ')})`,
    );
    for (const r of rows.filter((x) => x.backend === 'native' && x.threads === 2 && x.flops)) {
      const peak = peaks.find((p) => p.precision === r.precision);
      const rate = r.flops! / r.msPerStep / 1e6;
      console.log(
        `  ${r.model.padEnd(9)} ${columnOf(r).padEnd(16)} ${(r.flops! / 1e9).toFixed(2)} GFLOP per step, ${rate.toFixed(0)} GFLOP/s${peak ? ` = ${((100 * rate) / peak.gflops!).toFixed(0)} % of peak` : ''}`,
      );
    }
  }
  if (torchRows.length === 0) {
    console.log('worst tfjs/pytorch ratio: n/a (no PyTorch peer)');
    return;
  }
  // the fastest configuration of each side overall (lowest total time over the models)
  const total = (c: string) => models.reduce((sum, m) => sum + (cell(m, c)?.msPerStep ?? Infinity), 0);
  const fastest = (cs: string[]) => [...cs].sort((a, b) => total(a) - total(b))[0];
  const best = fastest(columns.filter((c) => !c.startsWith('pytorch')));
  const ratiosOf = (ours: string, theirs: string) => models.map((m) => ({ m, ratio: (cell(m, ours)?.msPerStep ?? NaN) / (cell(m, theirs)?.msPerStep ?? NaN) }));
  const [bestBackend, bestThreads] = best.replace(/t(\/.*)?$/, '').split('/');
  for (const model of models) {
    const profile = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'profile_kernels.ts'), model, bestBackend, bestThreads], {
      encoding: 'utf8',
      timeout: 10 * 60_000,
      env: { ...process.env, KTG_PRECISION: best.endsWith('/bf16') ? 'bf16' : 'fp32' },
    });
    console.log(`\nwhat remains, ${(profile.stdout ?? '').split('\n').slice(0, 9).join('\n')}`);
  }
  const torchFp32 = columns.find((c) => c.startsWith('pytorch') && !c.endsWith('/bf16'));
  const oursBf16 = columns.find((c) => c === 'native/2t/bf16');
  const show = (rs: { m: string; ratio: number }[]) => rs.map((r) => `${r.m} ${r.ratio.toFixed(2)}×`).join(', ');
  const worst = (rs: { ratio: number }[]) => Math.max(...rs.map((r) => r.ratio)).toFixed(2);
  if (oursBf16 && torchFp32) {
    const y = ratiosOf(oursBf16, torchFp32);
    console.log(`\nktg-bf16/pytorch-fp32 ratio (${oursBf16} vs ${torchFp32}): ${show(y)}`);
    console.log(`worst ktg-bf16/pytorch-fp32 ratio: ${worst(y)}`);
  } else console.log('worst ktg-bf16/pytorch-fp32 ratio: n/a (no bf16 on this machine)');
  // per model, each side's fastest mode (ktg: any backend and precision; PyTorch: fp32 or autocast bf16)
  const fastestFor = (m: string, cs: string[]) => cs.reduce((a, c) => ((cell(m, c)?.msPerStep ?? Infinity) < (cell(m, a)?.msPerStep ?? Infinity) ? c : a));
  const ktgColumns = columns.filter((c) => !c.startsWith('pytorch'));
  const torchColumns = columns.filter((c) => c.startsWith('pytorch'));
  const x = models.map((m) => {
    const [ours, theirs] = [fastestFor(m, ktgColumns), fastestFor(m, torchColumns)];
    return { m: `${m} (${ours} vs ${theirs})`, ratio: cell(m, ours)!.msPerStep / cell(m, theirs)!.msPerStep };
  });
  if (rounds > 1) {
    // the same ratio within each round (both sides measured minutes apart at most)
    const perRound = Array.from({ length: rounds }, (_, i) => {
      const at = (m: string, c: string) => samples.find((r) => r.round === i + 1 && r.model === m && columnOf(r) === c)?.msPerStep ?? NaN;
      const best = (m: string, cs: string[]) => Math.min(...cs.map((c) => at(m, c)).filter((v) => !Number.isNaN(v)));
      return worst(models.map((m) => ({ ratio: best(m, ktgColumns) / best(m, torchColumns) })));
    });
    console.log(`\nworst tfjs/pytorch ratio within each round: ${perRound.join(', ')}`);
  }
  console.log(`\ntfjs/pytorch ratio, fastest mode of each: ${show(x)}`);
  console.log(`worst tfjs/pytorch ratio: ${worst(x)}`);
}

main();
