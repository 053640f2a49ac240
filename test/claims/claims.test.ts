/** Paired-seed verdicts against hand-computed t-intervals, and the ledger round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ClaimsLedger, claimsSummary, claimsTable, pairedComparison, readLedgers, seedsNeededTable, seedsToDecide, shownLedgerPath } from '../../src/claims';
import { temporaryDir } from '../../src/data/temporary';

test('t-intervals of paired differences match hand computations', () => {
  // differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653 → half-width 4.302653/√3 = 2.48414
  const a = pairedComparison([11, 12, 13], [10, 10, 10]);
  assert.deepEqual(a.differences, [1, 2, 3]);
  assert.ok(Math.abs(a.sd - 1) < 1e-12);
  assert.ok(Math.abs(a.interval[0] - (2 - 2.48414)) < 1e-4 && Math.abs(a.interval[1] - (2 + 2.48414)) < 1e-4, `${a.interval}`);
  assert.equal(a.verdict, 'undecided');
  // differences 1, 1.1, 0.9, 1.2, 0.8: mean 1, sd 0.158114, t(0.975, 4) = 2.776445 → ± 0.196324
  const b = pairedComparison([2, 2.1, 1.9, 2.2, 1.8], [1, 1, 1, 1, 1]);
  assert.ok(Math.abs(b.interval[0] - 0.803676) < 1e-5 && Math.abs(b.interval[1] - 1.196324) < 1e-5, `${b.interval}`);
  assert.equal(b.verdict, 'reproduces');
  assert.equal(pairedComparison([1, 1.1, 0.9, 1.2, 0.8], [2, 2, 2, 2, 2]).verdict, 'contradicted');
  // "within a margin": the interval must lie inside [−m, m]
  assert.equal(pairedComparison([2, 2.1, 1.9, 2.2, 1.8], [1.5, 1.5, 1.5, 1.5, 1.5], { margin: 1 }).verdict, 'reproduces');
  assert.equal(pairedComparison([2, 2.1, 1.9, 2.2, 1.8], [1, 1, 1, 1, 1], { margin: 0.5 }).verdict, 'contradicted');
  assert.throws(() => pairedComparison([1], [0]), /at least 2 paired seeds/);
  assert.throws(() => pairedComparison([1, 2], [0]), /same seeds on both sides/);
});

test('seeds to decide: the first n whose t half-width falls below the distance to the boundary', () => {
  // mean 1, sd 2: n = 17 gives t(0.975, 16)·2/√17 = 2.119905·0.485071 = 1.02831 ≥ 1, n = 18 gives t(0.975, 17)·2/√18 = 2.109816·0.471405 = 0.99458 < 1
  assert.equal(seedsToDecide({ mean: 1, sd: 2, confidence: 0.95 }), 18);
  assert.equal(seedsToDecide({ mean: -1, sd: 2, confidence: 0.95 }), 18);
  // "within 1 point": mean −0.5 lies 0.5 inside the margin → the same n as mean 0.5 against 0; mean −1.5 lies 0.5 outside
  const inside = seedsToDecide({ mean: -0.5, sd: 1, confidence: 0.95, margin: 1 });
  assert.equal(inside, seedsToDecide({ mean: 0.5, sd: 1, confidence: 0.95 }));
  assert.equal(seedsToDecide({ mean: -1.5, sd: 1, confidence: 0.95, margin: 1 }), inside);
  // 0.5 / 1 needs t(n − 1)/√n < 0.5: n = 18 gives 2.1098/4.2426 = 0.4973, n = 17 gives 2.1199/4.1231 = 0.5142
  assert.equal(inside, 18);
  assert.equal(seedsToDecide({ mean: 0, sd: 0, confidence: 0.95 }), undefined, 'an exact tie is never decided');
  assert.equal(seedsToDecide({ mean: -1, sd: 0.5, confidence: 0.95, margin: 1 }), undefined, 'a mean on the margin is never decided');
  assert.equal(seedsToDecide({ mean: 0.3, sd: 0, confidence: 0.95 }), 2);
  // the table lists undecided claims only, with the boundary they are judged against (A ≈ B, judged by
  // TOST's 90 % interval: 0.867 from the margin, sd 0.611: t(0.95, 2)·0.611/√3 = 1.030 ≥ 0.867 > t(0.95, 3)·0.611/√4 = 0.719 → 4 seeds)
  const ledger = new ClaimsLedger({ notebook: 'nb', preset: 'cpu', backend: 'native', dataset: 'x', seeds: [0, 1, 2] });
  ledger.claim('A > B', { better: [71, 72, 73], baseline: [70, 70, 70], reference: 'kdVsVanilla', measure: 'points' });
  ledger.claim('A ≈ B', { better: [70, 70.8, 69.6], baseline: [70, 70, 70], reference: 'kdVsVanilla', measure: 'points', margin: 1 });
  ledger.claim('C > B', { better: [71, 71.1, 71.2], baseline: [70, 70, 70], reference: 'kdVsVanilla', measure: 'points' });
  assert.equal(ledger.claims[1].result.margin, 1);
  const table = seedsNeededTable([ledger.asFile()]);
  assert.equal(table.length, 4, table.join('\n'));
  assert.match(table[2], /\| nb \| A > B \| \+2\.00 \| 1\.00 \| 0 \| 3 \| 4 \|/);
  assert.match(table[3], /\| nb \| A ≈ B \| \+0\.13 \| 0\.61 \| ±1 \| 3 \| 4 \|/);
});

test('a ledger is written atomically, read back and summarised', () => {
  const dir = temporaryDir('claims');
  const ledger = new ClaimsLedger({ notebook: 'nb', preset: 'ci', backend: 'native', dataset: 'Fashion-MNIST', seeds: [0, 1, 2] });
  ledger.claim('KD > vanilla', { better: [71, 72, 73], baseline: [70, 70, 70], reference: 'kdVsVanilla', measure: 'test accuracy (points)' });
  ledger.claim('DML > vanilla', { better: [70, 69, 71], baseline: [70, 70, 70], reference: 'dml2VsVanilla', measure: 'test accuracy (points)' });
  const file = ledger.write(dir);
  assert.deepEqual(fs.readdirSync(dir), ['nb.json']);
  const back = readLedgers(dir);
  assert.equal(back[0].claims.length, 2);
  assert.equal(claimsSummary(back), 'claims: 2, reproduces: 0, contradicted: 0, undecided: 2, not tested: 0');
  const table = claimsTable(back);
  assert.ok(
    table[2].startsWith(
      '| nb | KD > vanilla | Table 3.2 (CIFAR-100; ResNet32 ← pretrained WRN28-2 teacher, T = 2): KD (T = 2) 71.88 ± 0.78 vs vanilla ResNet32 70.71 ± 0.39 | test accuracy (points) | +2.00 | [-0.48, +4.48] | 3 | **undecided** | undecided | no effect above +4.48 or below -0.48 points |',
    ),
    table[2],
  );
  // both arms are stored in seed order
  assert.deepEqual(back[0].claims[0].result.values, { better: [71, 72, 73], baseline: [70, 70, 70] });
  assert.equal(back[0].format, 2);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('a ci run writes its ledger to results/ci, leaving the committed ledgers in results/ untouched', () => {
  const dir = temporaryDir('claims');
  const saved = process.env.KTG_RESULTS_DIR;
  process.env.KTG_RESULTS_DIR = dir;
  try {
    const values = { better: [71, 72, 73], baseline: [70, 70, 70], reference: 'kdVsVanilla' as const, measure: 'points' };
    const ci = new ClaimsLedger({ notebook: 'nb', preset: 'ci', backend: 'native', dataset: 'x', seeds: [0, 1, 2] });
    ci.claim('A > B', values);
    const cpu = new ClaimsLedger({ notebook: 'nb', preset: 'cpu', backend: 'native', dataset: 'x', seeds: [0, 1, 2] });
    cpu.claim('A > B', values);
    assert.equal(cpu.write(), path.join(dir, 'nb.json'));
    assert.equal(ci.write(), path.join(dir, 'ci', 'nb.json'));
    assert.deepEqual(
      readLedgers().map((l) => l.preset),
      ['cpu'],
    );
    // outside the package the shown path stays absolute; inside it, it is package-relative with forward slashes
    assert.equal(cpu.save(), `ledger written to ${path.join(dir, 'nb.json')}`);
    assert.equal(shownLedgerPath(path.join(__dirname, '..', '..', 'results', 'ci', 'nb.json')), 'results/ci/nb.json');
  } finally {
    if (saved === undefined) delete process.env.KTG_RESULTS_DIR;
    else process.env.KTG_RESULTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/RESULTS.md holds `npm run claims` over the committed ledgers', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'RESULTS.md'), 'utf8');
  const saved = process.env.KTG_RESULTS_DIR;
  delete process.env.KTG_RESULTS_DIR;
  try {
    const ledgers = readLedgers();
    const table = claimsTable(ledgers).join('\n');
    assert.ok(readme.includes(table), `docs/RESULTS.md does not contain the current claims table; paste the output of \`npm run claims\`:\n${table}`);
    const seeds = seedsNeededTable(ledgers).join('\n');
    assert.ok(
      readme.includes(seeds),
      `docs/RESULTS.md does not contain the current seeds-needed table; paste it from \`npm run claims -- --seeds-needed\`:\n${seeds}`,
    );
  } finally {
    if (saved !== undefined) process.env.KTG_RESULTS_DIR = saved;
  }
});

test('a notebook names its ledger and data; the preset and the backend come from the run', async () => {
  const { initBackend, backendInfo } = await import('../../src/backend');
  const { presetName } = await import('../../src/presets');
  await initBackend({ backend: 'cpu', quiet: true });
  const ledger = new ClaimsLedger({ notebook: 'nb', dataset: 'x', seeds: [0, 1] });
  assert.equal(ledger.meta.preset, presetName());
  assert.equal(ledger.meta.backend, backendInfo()!.name);
  assert.equal(new ClaimsLedger({ notebook: 'nb', dataset: 'x', seeds: [0], preset: 'paper', backend: 'native' }).meta.preset, 'paper');
});
