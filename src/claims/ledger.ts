/**
 * The claims ledger: each notebook records the claims of its papers that it tests — both arms'
 * per-seed values, the paper's reference as data, measured preconditions and the verdict — in
 * `results/<notebook>.json` (committed with the notebook). `npm run claims` prints one table over
 * all notebooks and stores each claim's verdict after Holm's correction over all of them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { markdownTable } from '../viz/tables';
import { backendInfo } from '../backend';
import { presetName } from '../presets';
import { applyHolm, inHolmFamily } from './holm';
import { judgeDifferences, pairedDifferences, PairedComparison, rulesOut, seedsToDecide, signed, Verdict } from './paired';
import { PaperReference, paperReferences, ReferenceName, referenceText } from './references';
import { ArmsDeclaration, notTestedReason, Precondition } from './rules';

/** the ledger file format; readLedgers refuses others */
export const LEDGER_FORMAT = 2;

export interface ClaimResult extends PairedComparison {
  /** both arms' per-seed values in seed order; null only where a recovered format-1 ledger had no printed arms (see the ledger's provenance) */
  values: { better: number[]; baseline: number[] } | null;
  /** what the interval alone says, before the not-tested rules */
  intervalVerdict: Exclude<Verdict, 'not tested'>;
  /** why the claim is not tested */
  reason?: string;
  /** the verdict after Holm's correction over all ledgers' directional claims (holm.ts) */
  holm?: Verdict;
}

export interface ClaimRecord {
  /** e.g. "searched graph > DML (target accuracy)" */
  claim: string;
  /** what is compared, e.g. "target test accuracy, points" */
  measure: string;
  reference: PaperReference;
  preconditions: Precondition[];
  arms?: ArmsDeclaration;
  result: ClaimResult;
}

export interface LedgerMeta {
  notebook: string;
  preset: string;
  backend: string;
  dataset: string;
  seeds: number[];
}

/** what a notebook gives its ledger: the preset and the backend default to the running ones */
export type LedgerInput = Omit<LedgerMeta, 'preset' | 'backend'> & Partial<Pick<LedgerMeta, 'preset' | 'backend'>>;

export interface LedgerFile extends LedgerMeta {
  format: number;
  wallSeconds: number;
  recordedAt: string;
  /** where the numbers come from when not from one run of the notebook as it stands (e.g. arms recovered from committed outputs) */
  provenance?: string;
  claims: ClaimRecord[];
}

export interface ClaimInput {
  better: number[];
  baseline: number[];
  /** a record of references.ts, by name or as data */
  reference: ReferenceName | PaperReference;
  measure: string;
  /** "≈ within ±margin" (TOST); without it the claim is "better > baseline" */
  margin?: number;
  preconditions?: Precondition[];
  /** the arms' settings and the factor the claim is about: arms that differ in more are not tested */
  arms?: ArmsDeclaration;
}

/**
 * Judges one claim: its paired comparison, then the not-tested rules against the claims before it.
 * `differences` and `values` are given separately only by the recovery of old ledgers; notebooks call
 * ClaimsLedger.claim.
 */
export function judgeClaim(
  claim: string,
  input: Omit<ClaimInput, 'better' | 'baseline'> & { differences: number[]; values: ClaimResult['values'] },
  earlier: ClaimRecord[],
): ClaimRecord {
  const comparison = judgeDifferences(input.differences, { margin: input.margin });
  const preconditions = input.preconditions ?? [];
  const reason = notTestedReason({ preconditions, arms: input.arms, comparison }, earlier);
  const intervalVerdict = comparison.verdict as ClaimResult['intervalVerdict'];
  const result: ClaimResult = {
    ...comparison,
    values: input.values,
    intervalVerdict,
    verdict: reason ? 'not tested' : intervalVerdict,
    ...(reason ? { reason } : {}),
  };
  const reference = typeof input.reference === 'string' ? paperReferences[input.reference] : input.reference;
  if (!reference) throw new Error(`claim "${claim}": unknown paper reference "${String(input.reference)}" (see src/claims/references.ts)`);
  return { claim, measure: input.measure, reference, preconditions, ...(input.arms ? { arms: input.arms } : {}), result };
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

/** writes a ledger file atomically */
export function writeLedgerFile(file: string, body: LedgerFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  fs.writeFileSync(tmp, `${JSON.stringify(body, null, 1)}\n`);
  fs.renameSync(tmp, file);
}

/**
 * Holm's correction over every ledger in `dir` (each claim's result.holm), written back to the files
 * that changed; returns the ledgers as corrected.
 */
export function updateHolm(dir = resultsDir()): LedgerFile[] {
  const ledgers = readLedgers(dir);
  const before = ledgers.map((l) => JSON.stringify(l));
  applyHolm(ledgers.flatMap((l) => l.claims));
  ledgers.forEach((l, i) => {
    if (JSON.stringify(l) !== before[i]) writeLedgerFile(path.join(dir, `${l.notebook}.json`), l);
  });
  return ledgers;
}

export class ClaimsLedger {
  readonly claims: ClaimRecord[] = [];
  private readonly started: number;
  readonly meta: LedgerMeta;

  /**
   * `meta.preset` defaults to KTG_PRESET's preset, `meta.backend` to the initialised backend's name
   * (with "(bf16)" when its convolutions and products run in bf16);
   * `startedAt` (ms since the epoch) to the start of this process: in a notebook, its kernel's start.
   */
  constructor(meta: LedgerInput, startedAt = Date.now() - process.uptime() * 1000) {
    const info = backendInfo();
    const backend = meta.backend ?? (info ? `${info.name}${info.precision === 'bf16' ? ' (bf16)' : ''}` : undefined);
    if (!backend) throw new Error('a claims ledger names its backend: call initBackend() first, or give meta.backend');
    this.meta = { ...meta, preset: meta.preset ?? presetName(), backend };
    this.started = startedAt;
  }

  /** Judges "better > baseline" (or, with `margin`, |better − baseline| < margin by TOST) over paired seeds. */
  claim(claim: string, input: ClaimInput): ClaimRecord {
    const { better, baseline, ...rest } = input;
    const record = judgeClaim(
      claim,
      { ...rest, differences: pairedDifferences(better, baseline), values: { better: [...better], baseline: [...baseline] } },
      this.claims,
    );
    this.claims.push(record);
    return record;
  }

  /**
   * Writes <dir>/<notebook>.json atomically, then Holm's correction over every ledger in that folder,
   * and returns the file's path. By default a `ci` run's ledger goes to results/ci/ (not committed),
   * so that running the test suite never overwrites the committed ledgers in results/.
   */
  write(dir = ledgerDir(this.meta.preset)): string {
    const file = path.join(dir, `${this.meta.notebook}.json`);
    writeLedgerFile(file, {
      format: LEDGER_FORMAT,
      ...this.meta,
      wallSeconds: Math.round((Date.now() - this.started) / 1000),
      recordedAt: new Date().toISOString(),
      claims: this.claims,
    });
    const mine = updateHolm(dir).find((l) => l.notebook === this.meta.notebook);
    mine?.claims.forEach((c, i) => (this.claims[i].result.holm = c.result.holm));
    return file;
  }

  /** Writes the ledger to its preset's place (see `write`) and returns the line a notebook prints: "ledger written to results/<notebook>.json" */
  save(): string {
    return `ledger written to ${shownLedgerPath(this.write())}`;
  }

  /** the ledger's claims as a table, then the summary lines; given `claims` (e.g. the last two made), those as a table alone */
  markdown(claims?: ClaimRecord[]): string {
    const lines = claimsTable([{ ...this.asFile(), claims: claims ?? this.claims }]);
    return (claims ? lines.slice(0, -3) : lines).join('\n');
  }

  /** the ledger as it would be written */
  asFile(): LedgerFile {
    return { format: LEDGER_FORMAT, ...this.meta, wallSeconds: 0, recordedAt: '', claims: this.claims };
  }
}

/** the unit of a measure ("target test accuracy, points" → "points", "best IS …" → "IS"; '' when it names none) */
export const measureUnit = (measure: string) => (/\bIS\b/.test(measure) ? 'IS' : /points/.test(measure) ? 'points' : '');

/** the interval as shown: "[a, b]", with "90 %, ±m" for equivalence claims */
export function intervalText(r: PairedComparison): string {
  return `[${signed(r.interval[0])}, ${signed(r.interval[1])}]${r.margin != null ? ` (90 %, ±${r.margin})` : ''}`;
}

/** what a reader needs beside the verdict: why not tested, or what an undecided interval rules out */
export function claimNote(c: ClaimRecord): string {
  if (c.result.verdict === 'not tested') return `${c.result.reason} (interval alone: ${c.result.intervalVerdict})`;
  if (c.result.verdict === 'undecided') return rulesOut(c.result, measureUnit(c.measure));
  return '';
}

/** A Markdown table of claims over ledgers, then the summary lines. */
export function claimsTable(ledgers: LedgerFile[]): string[] {
  const rows = ledgers.flatMap((l) =>
    l.claims.map((c) => [
      l.notebook,
      c.claim,
      referenceText(c.reference),
      c.measure,
      signed(c.result.mean),
      intervalText(c.result),
      String(c.result.n),
      `**${c.result.verdict}**`,
      c.result.holm ?? '',
      claimNote(c),
    ]),
  );
  return [
    ...markdownTable(['notebook', 'claim', 'paper', 'measure', 'mean Δ', 'interval (95 %; TOST 90 %)', 'seeds', 'verdict', 'with Holm', 'note'], rows).split(
      '\n',
    ),
    '',
    holmSummary(ledgers),
    claimsSummary(ledgers),
  ];
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
        return [
          l.notebook,
          c.claim,
          signed(c.result.mean),
          c.result.sd.toFixed(2),
          boundary,
          String(c.result.n),
          needed === undefined ? 'never (mean on the boundary)' : String(needed),
          rulesOut(c.result, measureUnit(c.measure)),
        ];
      }),
  );
  return markdownTable(['notebook', 'undecided claim', 'mean Δ', 'sd of Δ', 'boundary', 'seeds', 'seeds to decide', 'rules out'], rows).split('\n');
}

const VERDICTS: Verdict[] = ['reproduces', 'contradicted', 'undecided', 'not tested'];

/** `claims: N, reproduces: a, contradicted: b, undecided: c, not tested: d` */
export function claimsSummary(ledgers: LedgerFile[]): string {
  const all = ledgers.flatMap((l) => l.claims.map((c) => c.result.verdict));
  return `claims: ${all.length}, ${VERDICTS.map((v) => `${v}: ${all.filter((x) => x === v).length}`).join(', ')}`;
}

/** the verdicts after Holm's correction, on one line */
export function holmSummary(ledgers: LedgerFile[]): string {
  const claims = ledgers.flatMap((l) => l.claims);
  const family = claims.filter((c) => inHolmFamily(c.result)).length;
  const count = (v: Verdict) => claims.filter((c) => (c.result.holm ?? c.result.verdict) === v).length;
  return `with Holm over ${family} directional claims (α = 0.05): ${VERDICTS.map((v) => `${v}: ${count(v)}`).join(', ')}`;
}

/** every <dir>/*.json, sorted by notebook; a file of another format is refused with what to do */
export function readLedgers(dir = resultsDir()): LedgerFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      let body: LedgerFile;
      try {
        body = JSON.parse(fs.readFileSync(file, 'utf8')) as LedgerFile;
      } catch (err) {
        throw new Error(`${file} is not a claims ledger: ${(err as Error).message}`);
      }
      if (body.format !== LEDGER_FORMAT)
        throw new Error(`${file} is a claims ledger of format ${body.format ?? 1}, this ktg reads format ${LEDGER_FORMAT}: re-run its notebook`);
      return body;
    });
}
