/**
 * One-off conversion of the committed format-1 claims ledgers (results/*.json at a git revision) to
 * format 2, kept so that the conversion can be re-run and checked:
 *   npx tsx scripts/recover_ledgers.ts <revision>
 * Each claim keeps its run's per-seed differences. Its arms are recovered from that revision's
 * committed notebook outputs where an output printed them exactly (ch2 and ch3: per-seed tables of
 * test accuracies, multiples of 0.01 / 0.02; gan_transfer_search: the Fig 7 figure's data), the
 * second arm as the first minus the stored differences where only one was printed; a recovered pair
 * must reproduce the stored differences to 1e-9. Elsewhere `values` is null until the notebook is
 * re-run. Claims are restated and cited as the notebooks now state them (references.ts); the
 * not-tested rules and Holm's correction then decide from the data.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { judgeClaim, LEDGER_FORMAT, LedgerFile, resultsDir, updateHolm, writeLedgerFile } from '../src/claims/ledger';
import type { ClaimInput, ClaimRecord } from '../src/claims/ledger';
import { trainedGenerators } from '../src/claims/rules';
import type { Precondition } from '../src/claims/rules';

const revision = process.argv[2];
if (!revision) throw new Error('usage: tsx scripts/recover_ledgers.ts <git revision holding the format-1 ledgers>');
const show = (file: string) => execFileSync('git', ['show', `${revision}:${file}`], { encoding: 'utf8', maxBuffer: 1 << 28 });

interface Notebook {
  cells: Array<{ outputs?: Array<{ text?: string | string[]; data?: Record<string, string | string[]> }> }>;
}
const join = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));
function outputs(name: string): string[] {
  const nb = JSON.parse(show(`notebooks/${name}.ipynb`)) as Notebook;
  return nb.cells.flatMap((c) => c.outputs ?? []).flatMap((o) => [join(o.text), ...Object.values(o.data ?? {}).map(join)]);
}

/** the cells of every row of every printed Markdown table */
function tableRows(texts: string[]): string[][] {
  return texts
    .join('\n')
    .split('\n')
    .flatMap((line) => {
      const m = /^\| (.+) \|$/.exec(line.trim());
      return m ? [m[1].split(' | ').map((c) => c.trim())] : [];
    });
}

/** per-seed values printed as the last cell of a table row ("53.64, 52.30, …") */
function perSeedColumn(texts: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const cells of tableRows(texts)) {
    const values = cells[cells.length - 1].split(', ').map(Number);
    if (values.length >= 2 && values.every(Number.isFinite)) out.set(cells[0], values);
  }
  return out;
}

/** the traces (name → y) of every Plotly figure embedded in the outputs' loader scripts */
function figureTraces(texts: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const t of texts) {
    let at = t.indexOf('fig = {');
    while (at >= 0) {
      const start = at + 'fig = '.length;
      let depth = 0;
      let inString = false;
      let end = start;
      for (; end < t.length; end++) {
        const ch = t[end];
        if (inString) {
          if (ch === '\\') end++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) break;
      }
      const fig = JSON.parse(t.slice(start, end + 1)) as { data: Array<{ name?: string; y?: number[] }> };
      for (const trace of fig.data) if (trace.name && Array.isArray(trace.y)) out.set(trace.name, trace.y);
      at = t.indexOf('fig = {', end);
    }
  }
  return out;
}

interface Definition extends Omit<ClaimInput, 'better' | 'baseline'> {
  /** the claim's text in the format-1 ledger */
  old: string;
  claim: string;
  /** the arms' names in the recovered per-seed values */
  arms_?: [string, string];
}

function recover(name: string, definitions: Definition[], values: Map<string, number[]>, extra: { provenance: string }): void {
  const old = JSON.parse(show(`results/${name}.json`)) as Omit<LedgerFile, 'format'> & { claims: Array<{ claim: string; result: { differences: number[] } }> };
  const claims: ClaimRecord[] = [];
  for (const d of definitions) {
    const source = old.claims.find((c) => c.claim === d.old);
    if (!source) throw new Error(`${name}: no claim "${d.old}" in the format-1 ledger`);
    const differences = source.result.differences;
    let pair: { better: number[]; baseline: number[] } | null = null;
    if (d.arms_) {
      const [b, a] = d.arms_.map((k) => values.get(k));
      if (b && a) pair = { better: b, baseline: a };
      else if (b) pair = { better: b, baseline: b.map((v, i) => Number((v - differences[i]).toFixed(9))) };
      else if (a) pair = { better: a.map((v, i) => Number((v + differences[i]).toFixed(9))), baseline: a };
      if (pair && pair.better.some((v, i) => Math.abs(v - pair!.baseline[i] - differences[i]) > 1e-9))
        throw new Error(`${name}: the recovered arms of "${d.old}" do not give its stored differences`);
    }
    const { old: _old, claim, arms_: _arms, ...input } = d;
    claims.push(judgeClaim(claim, { ...input, differences, values: pair }, claims));
  }
  const file: LedgerFile = {
    format: LEDGER_FORMAT,
    notebook: old.notebook,
    preset: old.preset,
    backend: old.backend,
    dataset: old.dataset,
    seeds: old.seeds,
    wallSeconds: old.wallSeconds,
    recordedAt: old.recordedAt,
    provenance: extra.provenance,
    claims,
  };
  writeLedgerFile(path.join(resultsDir(), `${name}.json`), file);
  console.log(`${name}: ${claims.length} claims, arms stored for ${claims.filter((c) => c.result.values).length}`);
}

const provenance = (how: string) =>
  `converted from the format-1 ledger at ${revision.slice(0, 7)} by scripts/recover_ledgers.ts: the run's per-seed differences; ${how}`;
const NO_ARMS = 'no committed output printed the arms per seed, so values is null until the notebook is re-run';

async function main(): Promise<void> {
  // ch2: the per-seed table of node-1 test accuracies
  const M2 = 'node-1 test accuracy, points';
  recover(
    'ch2_distillation',
    [
      { old: 'KD > vanilla', claim: 'KD > vanilla', reference: 'kdVsVanilla', measure: M2, arms_: ['KD (T=4)', 'vanilla'] },
      { old: 'DML > vanilla', claim: 'DML > vanilla', reference: 'dml2VsVanilla', measure: M2, arms_: ['DML', 'vanilla'] },
    ],
    perSeedColumn(outputs('ch2_distillation')),
    { provenance: provenance('arms from the printed per-seed table') },
  );

  const M3 = 'target test accuracy, points';
  const c3 = (old: string, claim: string, better: string, baseline: string, reference: Definition['reference']): Definition => ({
    old,
    claim,
    reference,
    measure: M3,
    arms_: [better, baseline],
  });
  recover(
    'ch3_knowledge_transfer_graph',
    [
      c3(
        'Table 3.2: searched 2-node graph (4 gates) > vanilla',
        'searched 2-node graph (4 gates) > vanilla',
        'ours, 2 nodes, 4 gates',
        'vanilla',
        'searched2VsVanilla',
      ),
      c3(
        'Table 3.2: searched 3-node graph (4 gates) > vanilla',
        'searched 3-node graph (4 gates) > vanilla',
        'ours, 3 nodes, 4 gates',
        'vanilla',
        'searched3VsVanilla',
      ),
      c3('Table 3.2: DML (3 nodes) > vanilla', 'DML (3 nodes: the searched models, every gate through) > vanilla', 'DML, 3 nodes', 'vanilla', 'dml3VsVanilla'),
      c3('Table 3.2: searched 3-node graph > KD', 'searched 3-node graph > KD', 'ours, 3 nodes, 4 gates', 'KD (T=2)', 'searched3VsKd'),
      c3(
        'Fig 3.9: optimized gates > all-through, 2 nodes',
        'optimized gates > all-through, 2 nodes',
        'ours, 2 nodes, 4 gates',
        'DML, 2 nodes',
        'gates2VsThrough',
      ),
      c3(
        'Fig 3.9: optimized gates > all-through, 3 nodes',
        'optimized gates > all-through, 3 nodes',
        'ours, 3 nodes, 4 gates',
        'DML, 3 nodes',
        'gates3VsThrough',
      ),
      c3('Table 3.5: 4 gate candidates > 2 (3 nodes)', '4 gate candidates > 2 (3 nodes)', 'ours, 3 nodes, 4 gates', 'ours, 3 nodes, 2 gates', 'gateCandidates'),
      c3(
        'Table 3.4: transferred graph > DML on the other dataset',
        'transferred graph > DML on the other dataset',
        'FM ours, 3 nodes, 4 gates',
        'FM DML, 3 nodes',
        'transferredGraph',
      ),
    ],
    perSeedColumn(outputs('ch3_knowledge_transfer_graph')),
    {
      provenance: provenance(
        `arms from the printed Table 3.2 per-seed column (the 2-gate graph's as the 4-gate graph's minus the differences); the Fashion-MNIST transfer claim's ${NO_ARMS}`,
      ),
    },
  );

  const E = 'ensemble test accuracy, points';
  const S = 'student test accuracy, points';
  recover(
    'ch4_ensemble',
    [
      {
        old: 'Fig 4.1: DML raises node accuracy (3 models)',
        claim: 'DML raises node accuracy (3 models)',
        reference: 'dmlNodeGain',
        measure: 'mean node test accuracy, points',
      },
      {
        old: 'Fig 4.1: DML ensemble ≈ independent ensemble (within 1 point)',
        claim: 'DML ensemble > independent ensemble (3 models)',
        reference: 'dmlEnsembleGain',
        measure: E,
      },
      { old: 'Table 4.4: −KL collapses (KL pull > −KL)', claim: '−KL collapses (KL pull > −KL)', reference: 'negKlCollapse', measure: E },
      { old: 'Table 4.5: −MSE collapses (map pull > −MSE)', claim: '−MSE collapses (map pull > −MSE)', reference: 'negMseCollapse', measure: E },
      { old: 'Table 4.6: searched ensemble > DML ensemble', claim: 'searched ensemble > DML ensemble', reference: 'searchedVsDmlEnsemble', measure: E },
      {
        old: 'Table 4.6: searched ensemble > independent ensemble',
        claim: 'searched ensemble > independent ensemble',
        reference: 'searchedVsIndependentEnsemble',
        measure: E,
      },
      {
        old: 'Table 4.9: gradient surgery helps attention distillation',
        claim: 'gradient surgery helps attention distillation',
        reference: 'surgeryWithAttention',
        measure: S,
      },
      {
        old: "Table 4.9: per-teacher probabilities > the ensemble's",
        claim: "per-teacher probabilities > the ensemble's",
        reference: 'perTeacherVsEnsemble',
        measure: S,
      },
    ],
    new Map(),
    { provenance: provenance(NO_ARMS) },
  );

  recover(
    'ch5_semi_supervised',
    [
      {
        old: 'Tables 5.4/5.5: searched 3-node graph > FixMatch (few labels)',
        claim: 'searched 3-node graph > FixMatch (few labels)',
        reference: 'searched3VsFixMatch',
        measure: M3,
      },
      {
        old: 'Tables 5.4/5.5: searched FixMatch-based graph > FixMatch (few labels)',
        claim: 'searched FixMatch-based graph > FixMatch (few labels)',
        reference: 'fixMatchSearchVsFixMatch',
        measure: M3,
      },
      {
        old: 'Tables 5.4/5.5: FixMatch > supervised (few labels)',
        claim: 'FixMatch > supervised (few labels)',
        reference: 'fixMatchVsSupervised',
        measure: M3,
      },
      {
        old: 'Tables 5.4/5.5: searched 3-node graph > supervised (few labels)',
        claim: 'searched 3-node graph > supervised (few labels)',
        reference: 'searched3VsSupervised',
        measure: M3,
      },
    ],
    new Map(),
    { provenance: provenance(NO_ARMS) },
  );

  // gan_cotraining: the preconditions from the printed Table 1 / Table 3 (mean best IS per arm, 3 decimals) and real-image IS
  const gan = outputs('gan_cotraining');
  const ganRows = tableRows(gan);
  const meanIs = (row: string) => {
    const cells = ganRows.find((r) => r[0] === row);
    if (!cells) throw new Error(`gan_cotraining: no printed row "${row}"`);
    return [Number(cells[3].split(' ± ')[0])];
  };
  const realIs = Number(/IS of real test images: ([\d.]+)/.exec(gan.join('\n'))![1]);
  const trained = (arms: Record<string, string>): Precondition[] => [
    trainedGenerators(Object.fromEntries(Object.entries(arms).map(([arm, row]) => [arm, meanIs(row)])), realIs),
  ];
  const armOf = (generators: number, sn: boolean, transfer: string, gates: string) => ({ generators, sn, transfer, gates });
  const G = 'best IS (metric classifier)';
  recover(
    'gan_cotraining',
    [
      {
        old: 'Table 1: spectral normalisation improves DCGAN (IS)',
        claim: 'spectral normalisation improves DCGAN (IS)',
        reference: 'snVsDcgan',
        measure: G,
        preconditions: trained({ 'DCGAN + SN': 'DCGAN + SN', DCGAN: 'DCGAN' }),
        arms: { factor: ['sn'], better: armOf(1, true, 'none', 'none'), baseline: armOf(1, false, 'none', 'none') },
      },
      // this run compared image transfer with the DCGAN without SN; the notebook now compares it with DCGAN + SN
      {
        old: 'Table 1: co-trained generators (image transfer) > DCGAN (IS)',
        claim: 'co-trained generators (image transfer) > DCGAN (IS)',
        reference: 'imageTransferVsDcganSn',
        measure: G,
        preconditions: trained({ ours: 'ours: image transfer, through', DCGAN: 'DCGAN' }),
        arms: { factor: ['generators', 'transfer', 'gates'], better: armOf(2, true, 'images', 'through'), baseline: armOf(1, false, 'none', 'none') },
      },
      {
        old: 'Table 1: co-trained generators (image transfer) > MAD-GAN (IS)',
        claim: 'co-trained generators (image transfer) > MAD-GAN (IS)',
        reference: 'imageTransferVsMadGan',
        measure: G,
        preconditions: trained({ ours: 'ours: image transfer, through', 'MAD-GAN': 'MAD-GAN' }),
        arms: { factor: ['transfer', 'gates'], better: armOf(2, true, 'images', 'through'), baseline: armOf(2, true, 'none', 'none') },
      },
      {
        old: 'Table 3: searched gates > MAD-GAN with as many generators (IS)',
        claim: 'searched gates > MAD-GAN with as many generators (IS)',
        reference: 'searchedGatesVsMadGan',
        measure: G,
        preconditions: trained({ 'ours (searched gates)': 'ours: searched gates (2 G)', 'MAD-GAN': 'MAD-GAN (2 G)' }),
        arms: { factor: ['transfer', 'gates'], better: armOf(2, true, 'output-side', 'searched'), baseline: armOf(2, true, 'none', 'none') },
      },
    ],
    new Map(),
    { provenance: provenance(`${NO_ARMS}; preconditions from the printed mean best IS per arm and the real test images' IS (${realIs})`) },
  );

  const M1 = 'softmax-regression accuracy on real test images, points';
  recover(
    'gan_training_data',
    [
      {
        old: 'Table 1 (paper 001): the last snapshot trains a better classifier than the first',
        claim: 'the last snapshot trains a better classifier than the first',
        reference: 'lastVsFirstSnapshot',
        measure: M1,
      },
      {
        old: 'Table 1 (paper 001): generated-only training stays below real data',
        claim: 'generated-only training stays below real data',
        reference: 'generatedBelowReal',
        measure: M1,
      },
      {
        old: 'Table 1 (paper 001): real + last-snapshot 1:1 mix ≈ real (within 1 point)',
        claim: 'real + last-snapshot 1:1 mix ≈ real (within 1 point)',
        reference: 'mixVsReal',
        measure: M1,
        margin: 1,
      },
      {
        old: 'Fig 3 (paper 001): sample quality grows with training (IS, last vs first snapshot)',
        claim: 'sample quality grows with training (IS, last vs first snapshot)',
        reference: 'snapshotQuality',
        measure: 'IS (metric classifier)',
      },
    ],
    new Map(),
    { provenance: provenance(NO_ARMS) },
  );

  // gan_transfer_search: the arms are the Fig 7 figure's per-trial values; the real images' IS is recomputed
  // with the study's own metric classifier (the notebook's preset, as printed, through the same code)
  const transfer = outputs('gan_transfer_search');
  const printed = JSON.parse(/preset cpu, backend \w+: (\{.*\})/.exec(transfer.join('\n'))![1]) as {
    dataset: string;
    imageSize: number;
    batchSize: number;
    learningRate: number;
    baseWidth: number;
    zDim: number;
    metricModel: string;
    metricEpochs: number;
    search: { generators: number; trainSize: number; validationSize: number; epochs: number; stepsPerEpoch: number; samples: number };
  };
  const ktg = await import('../src');
  await ktg.initBackend();
  const warm = ktg.search.parseStudyConfig({
    space: { kind: 'gan', name: 'warm', generators: 2, gates: ['through'], transfers: ['images'] },
    dataset: printed.dataset,
    trials: 1,
    seed: 0,
    trainSize: printed.search.trainSize,
    validationSize: printed.search.validationSize,
    epochs: printed.search.epochs,
    batchSize: printed.batchSize,
    metric: 'best-is',
    pruner: { kind: 'none' },
    gan: {
      learningRate: printed.learningRate,
      zDim: printed.zDim,
      baseWidth: printed.baseWidth,
      stepsPerEpoch: printed.search.stepsPerEpoch,
      samples: printed.search.samples,
      metricModel: printed.metricModel,
      metricEpochs: printed.metricEpochs,
      imageSize: printed.imageSize as 28,
    },
  });
  const realTransferIs = (await ktg.search.ganScorer(warm, await ktg.search.loadSearchData(warm))).realInceptionScore;
  const traces = figureTraces(transfer);
  const byTrial = (kind: string) => traces.get(kind) ?? [];
  const T = 'best IS per trial, paired by trial';
  recover(
    'gan_transfer_search',
    [
      {
        old: 'Fig 7: output-side feature-map transfer > image transfer',
        claim: 'output-side feature-map transfer > image transfer',
        reference: 'outputSideVsImages',
        measure: T,
        arms_: ['output-side', 'images'],
        preconditions: [trainedGenerators({ 'output-side': byTrial('output-side'), images: byTrial('images') }, realTransferIs)],
      },
      {
        old: 'Fig 7: input-side feature-map transfer > image transfer',
        claim: 'input-side feature-map transfer > image transfer',
        reference: 'inputSideVsImages',
        measure: T,
        arms_: ['input-side', 'images'],
        preconditions: [trainedGenerators({ 'input-side': byTrial('input-side'), images: byTrial('images') }, realTransferIs)],
      },
    ],
    traces,
    {
      provenance: provenance(
        `arms from the Fig 7 figure's per-trial data; the real images' IS (${realTransferIs.toFixed(3)}) recomputed with the study's metric classifier`,
      ),
    },
  );

  updateHolm();
}

void main();
