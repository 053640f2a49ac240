/** TOST, p-values, Holm and the not-tested rules against hand computations; every cited number against its paper. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { applyHolm, ClaimsLedger, holmRejections, holmSummary, judgeDifferences, paperReferences, precondition, trainedGenerators } from '../../src/claims';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('directional p-value: two-sided one-sample t-test (df 2 has a closed form)', () => {
  // differences 1, 2, 3: t = 2/(1/√3) = 3.4641; df 2: F(t) = 1/2 + t/(2√(2 + t²)) = 0.5 + 3.4641/(2·√14) = 0.962910 → p = 0.074180
  const c = judgeDifferences([1, 2, 3]);
  close(c.pValue, 0.07418);
  assert.equal(c.confidence, 0.95);
  assert.equal(judgeDifferences([0, 0, 0]).pValue, 1, 'no difference at all');
  assert.equal(judgeDifferences([0.5, 0.5, 0.5]).pValue, 0, 'a constant non-zero difference');
});

test('equivalence claims are judged by TOST at 5 %: the 90 % interval against ±margin', () => {
  // differences 1, 1.1, 0.9, 1.2, 0.8: mean 1, sd 0.158114; t(0.95, 4) = 2.131847 → ± 0.150744
  const d = [1, 1.1, 0.9, 1.2, 0.8];
  const inside = judgeDifferences(d, { margin: 1.5 });
  assert.equal(inside.confidence, 0.9);
  close(inside.interval[0], 0.849256);
  close(inside.interval[1], 1.150744);
  assert.equal(inside.verdict, 'reproduces');
  assert.equal(judgeDifferences(d, { margin: 0.8 }).verdict, 'contradicted', 'the 90 % interval lies entirely above +0.8');
  assert.equal(judgeDifferences(d, { margin: 1 }).verdict, 'undecided', 'the interval straddles +1');
  // at 95 % (t(0.975, 4) = 2.776445 → ± 0.196324) margin 1.17 would be undecided; TOST's 90 % decides it
  assert.equal(judgeDifferences(d, { margin: 1.17 }).verdict, 'reproduces');
  // TOST p-value, df 2: differences 0.1, 0.2, 0.3 (mean 0.2, se 0.057735), margin 0.5: the larger one-sided p is
  // P(T ≥ 0.3/0.057735 = 5.19615) = 0.5 − 5.19615/(2·√29) = 0.017550
  close(judgeDifferences([0.1, 0.2, 0.3], { margin: 0.5 }).pValue, 0.01755);
  assert.throws(() => judgeDifferences(d, { margin: 0 }), /margin must be positive/);
});

test("Holm's step-down rejects while p ≤ α/(m − k) and stops at the first that is not", () => {
  // sorted 0.005 ≤ 0.05/4, 0.01 ≤ 0.05/3, 0.03 > 0.05/2 → stop (0.04 is not rejected either)
  assert.deepEqual(holmRejections([0.01, 0.04, 0.03, 0.005]), [true, false, false, true]);
  assert.deepEqual(holmRejections([0.04]), [true]);
  assert.deepEqual(holmRejections([0.04, 0.04]), [false, false]);
  // over claims: directional tested claims form the family; equivalence and not-tested claims keep their verdict
  const claim = (verdict: string, pValue: number, mean: number, margin?: number) =>
    ({ result: { verdict, pValue, mean, ...(margin != null ? { margin } : {}) } }) as never;
  const claims: Array<{ result: { holm?: string } }> = [
    claim('reproduces', 0.001, 2),
    claim('contradicted', 0.02, -1),
    claim('reproduces', 0.01, 1, 1),
    claim('not tested', 0.0001, 3),
  ];
  assert.equal(applyHolm(claims as never), 2);
  assert.deepEqual(
    claims.map((c) => c.result.holm),
    ['reproduces', 'contradicted', 'reproduces', 'not tested'],
  );
  const five = [0.001, 0.02, 0.03, 0.04, 0.2].map((p, i) => claim(i === 1 ? 'contradicted' : 'reproduces', p, i === 1 ? -1 : 1));
  applyHolm(five);
  // 0.001 ≤ 0.01 ✓, 0.02 > 0.0125 → stop
  assert.deepEqual(
    (five as Array<{ result: { holm?: string } }>).map((c) => c.result.holm),
    ['reproduces', 'undecided', 'undecided', 'undecided', 'undecided'],
  );
});

test('not tested, by rule: unmet precondition, identical arms, a duplicate comparison, confounded arms', () => {
  const ledger = new ClaimsLedger({ notebook: 'nb', preset: 'ci', backend: 'cpu', dataset: 'x', seeds: [0, 1, 2] });
  const base = { reference: 'snVsDcgan' as const, measure: 'best IS (metric classifier)' };
  // an unmet precondition: the interval alone would say reproduces
  const untrained = ledger.claim('A > B, untrained', {
    ...base,
    better: [1.9, 1.8, 2.0],
    baseline: [1.0, 1.1, 1.0],
    preconditions: [trainedGenerators({ A: [1.9, 1.8, 2.0], B: [1.0, 1.1, 1.0] }, 6.6)],
  });
  assert.equal(untrained.result.verdict, 'not tested');
  assert.equal(untrained.result.intervalVerdict, 'reproduces');
  // lowest arm B: mean 1.0333 / 6.6 = 0.156566
  close(untrained.preconditions[0].value, 0.156566);
  assert.match(untrained.result.reason!, /precondition not met: every arm's best IS ≥ 50 % of the real-data IS \(lowest: B\) \(0\.157 < 0\.5\)/);
  const trained = ledger.claim('A > B, trained', {
    ...base,
    better: [5.1, 5.0, 5.2],
    baseline: [4.0, 4.1, 4.0],
    preconditions: [trainedGenerators({ A: [5.1, 5.0, 5.2], B: [4.0, 4.1, 4.0] }, 6.6)],
  });
  assert.equal(trained.result.verdict, 'reproduces');
  assert.equal(trained.preconditions[0].met, true);
  // identical arms: the search returned the baseline's graph
  const same = ledger.claim('searched > FixMatch', { ...base, better: [76, 75.5, 76.2], baseline: [76, 75.5, 76.2] });
  assert.equal(same.result.verdict, 'not tested');
  assert.equal(same.result.reason, 'identical arms: equal on every seed');
  // the same per-seed differences as an earlier claim (other arms, one comparison)
  const twin = ledger.claim('4 candidates > 2', { ...base, better: [6.1, 6.0, 6.2], baseline: [5.0, 5.1, 5.0] });
  assert.equal(twin.result.verdict, 'not tested');
  assert.equal(twin.result.reason, 'same per-seed differences as "A > B, trained": one comparison');
  // arms that differ in more than the factor the claim names
  const confounded = ledger.claim('image transfer > DCGAN', {
    ...base,
    better: [1.3, 1.2, 1.3],
    baseline: [1.0, 1.05, 1.0],
    arms: { factor: ['transfer'], better: { sn: true, transfer: 'images' }, baseline: { sn: false, transfer: 'none' } },
  });
  assert.equal(confounded.result.verdict, 'not tested');
  assert.equal(confounded.result.reason, 'the arms differ in sn as well as transfer');
  const fair = ledger.claim('image transfer > DCGAN + SN', {
    ...base,
    better: [1.3, 1.2, 1.31],
    baseline: [1.0, 1.05, 1.0],
    arms: { factor: ['transfer'], better: { sn: true, transfer: 'images' }, baseline: { sn: true, transfer: 'none' } },
  });
  assert.equal(fair.result.verdict, 'reproduces');
  assert.equal(precondition('p', 0.5, 0.5).met, true);
  assert.throws(() => precondition('p', NaN, 0.5), /not a measurement/);
  // not-tested claims are outside Holm's family and counted apart. The two tested claims, df 2:
  // differences 1.1, 0.9, 1.2: mean 1.066667, sd 0.152753, t = 12.0949, p = 2·(0.5 − t/(2√(2 + t²))) = 2·(0.5 − 12.0949/24.3546) = 0.006767 ≤ 0.05/2;
  // 0.3, 0.15, 0.31: mean 0.253333, sd 0.089629, t = 4.8956, p = 2·(0.5 − 4.8956/(2·√25.967)) = 0.0393 ≤ 0.05/1
  const file = ledger.asFile();
  applyHolm(file.claims);
  close(trained.result.pValue, 0.006767, 1e-5);
  close(fair.result.pValue, 0.0393, 1e-4);
  assert.equal(holmSummary([file]), 'with Holm over 2 directional claims (α = 0.05): reproduces: 2, contradicted: 0, undecided: 0, not tested: 4');
});

test('every number a paper reference cites appears in that paper', () => {
  const dir = path.resolve(__dirname, '..', '..', '..', 'shared', 'papers');
  const files = fs.readdirSync(dir);
  const text = (id: string) =>
    fs.readFileSync(
      path.join(
        dir,
        files.find((f) => f.startsWith(`${id}_`))!,
      ),
      'utf8',
    );
  let checked = 0;
  for (const [name, ref] of Object.entries(paperReferences)) {
    const paper = text(ref.paper);
    for (const arm of [ref.better, ref.baseline]) {
      if (arm.value == null) continue;
      // paper 001 prints accuracies as fractions (0.884); the others as percentages or IS with two decimals
      const shown =
        ref.paper === '001' ? (arm.value / 100).toFixed(3) : arm.sd != null ? `${arm.value.toFixed(2)} ± ${arm.sd.toFixed(2)}` : arm.value.toFixed(2);
      assert.ok(paper.includes(shown), `${name}: "${shown}" (${arm.label}) is not in paper ${ref.paper}`);
      checked++;
    }
  }
  assert.ok(checked >= 50, `${checked} numbers checked`);
});
