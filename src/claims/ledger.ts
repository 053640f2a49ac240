/**
 * The claims ledger: each notebook records the claims of its paper that it tests, with the paper's
 * numbers, our paired differences over seeds and the verdict, in `results/<notebook>.json`
 * (committed with the notebook). `npm run claims` prints one table over all notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { markdownTable } from '../viz/tables';
import { pairedComparison, PairedComparison, seedsToDecide, Verdict } from './paired';

export interface ClaimRecord {
  /** e.g. "Table 3.2: searched graph > DML (target accuracy)" */
  claim: string;
  /** what the paper reports, as text */
  paper: string;
  /** what is compared, e.g. "searched − DML, test accuracy (points)" */
  measure: string;
  result: PairedComparison;
}

export interface LedgerFile {
  notebook: string;
  preset: string;
  backend: string;
  dataset: string;
  seeds: number[];
  wallSeconds: number;
  recordedAt: string;
  claims: ClaimRecord[];
}

/** this package's root (this file is src/claims or dist/claims) */
const packageRoot = path.resolve(__dirname, '..', '..');

/** where ledgers live: <package>/results */
export function resultsDir(): string {
  return path.resolve(process.env.KTG_RESULTS_DIR ?? path.join(packageRoot, 'results'));
}

/** a ledger's path as a reader of this package should see it: relative to the package root when inside it */
export function shownLedgerPath(file: string): string {
  const relative = path.relative(packageRoot, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

/** where a run of this preset writes its ledger: results/ci for `ci` runs, results otherwise */
export function ledgerDir(preset: string): string {
  return preset === 'ci' ? path.join(resultsDir(), 'ci') : resultsDir();
}

export class ClaimsLedger {
  readonly claims: ClaimRecord[] = [];
  private readonly started: number;

  /** `startedAt` (ms since the epoch) defaults to the start of this process: in a notebook, its kernel's start */
  constructor(readonly meta: { notebook: string; preset: string; backend: string; dataset: string; seeds: number[] }, startedAt = Date.now() - process.uptime() * 1000) {
    this.started = startedAt;
  }

  /** Judges "better > baseline" (or, with `margin`, |better − baseline| ≤ margin) over paired seeds. */
  claim(claim: string, values: { better: number[]; baseline: number[]; paper: string; measure: string; margin?: number }): ClaimRecord {
    const record = { claim, paper: values.paper, measure: values.measure, result: pairedComparison(values.better, values.baseline, { margin: values.margin }) };
    this.claims.push(record);
    return record;
  }

  /**
   * Writes <dir>/<notebook>.json atomically and returns its path. By default a `ci` run's ledger goes
   * to results/ci/ (not committed), so that running the test suite never overwrites the committed
   * ledgers of `cpu` and `paper` runs in results/.
   */
  write(dir = ledgerDir(this.meta.preset)): string {
    const file = path.join(dir, `${this.meta.notebook}.json`);
    const body: LedgerFile = { ...this.meta, wallSeconds: Math.round((Date.now() - this.started) / 1000), recordedAt: new Date().toISOString(), claims: this.claims };
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.part`;
    fs.writeFileSync(tmp, `${JSON.stringify(body, null, 1)}\n`);
    fs.renameSync(tmp, file);
    return file;
  }

  /** Writes the ledger to its preset's place (see `write`) and returns the line a notebook prints: "ledger written to results/<notebook>.json" */
  save(): string {
    return `ledger written to ${shownLedgerPath(this.write())}`;
  }

  markdown(): string {
    return claimsTable([{ ...this.meta, wallSeconds: 0, recordedAt: '', claims: this.claims }]).join('\n');
  }
}

const fmt = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(2);

/** A Markdown table of claims over ledgers, then the summary line. */
export function claimsTable(ledgers: LedgerFile[]): string[] {
  const rows = ledgers.flatMap((l) =>
    l.claims.map((c) => [l.notebook, c.claim, c.paper, c.measure, fmt(c.result.mean), `[${fmt(c.result.interval[0])}, ${fmt(c.result.interval[1])}]`, String(c.result.n), `**${c.result.verdict}**`]),
  );
  return [...markdownTable(['notebook', 'claim', 'paper', 'measure', 'mean Δ', '95 % CI', 'seeds', 'verdict'], rows).split('\n'), '', claimsSummary(ledgers)];
}

/**
 * A Markdown table of the undecided claims with the paired seeds each would need to be decided if
 * its mean difference and spread stayed as measured (`seedsToDecide`): a planning figure for larger
 * runs, e.g. on a GPU or several machines.
 */
export function seedsNeededTable(ledgers: LedgerFile[]): string[] {
  const rows = ledgers.flatMap((l) =>
    l.claims
      .filter((c) => c.result.verdict === 'undecided')
      .map((c) => {
        const needed = seedsToDecide(c.result);
        const boundary = c.result.margin != null ? `±${c.result.margin}` : '0';
        return [l.notebook, c.claim, fmt(c.result.mean), c.result.sd.toFixed(2), boundary, String(c.result.n), needed === undefined ? 'never (mean on the boundary)' : String(needed)];
      }),
  );
  return markdownTable(['notebook', 'undecided claim', 'mean Δ', 'sd of Δ', 'boundary', 'seeds', 'seeds to decide'], rows).split('\n');
}

export function claimsSummary(ledgers: LedgerFile[]): string {
  const all = ledgers.flatMap((l) => l.claims.map((c) => c.result.verdict));
  const count = (v: Verdict) => all.filter((x) => x === v).length;
  return `claims: ${all.length}, reproduces: ${count('reproduces')}, contradicted: ${count('contradicted')}, undecided: ${count('undecided')}`;
}

/** every results/*.json, sorted by notebook */
export function readLedgers(dir = resultsDir()): LedgerFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as LedgerFile;
      } catch (err) {
        throw new Error(`${path.join(dir, f)} is not a claims ledger: ${(err as Error).message}`);
      }
    });
}
