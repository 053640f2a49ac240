/**
 * `npm run claims`: one table over every notebook's claims ledger (results/*.json), ending with the
 * line `claims: N, reproduces: a, contradicted: b, undecided: c`.
 */
import { claimsTable, readLedgers, resultsDir } from '../src/claims';

const ledgers = readLedgers();
if (ledgers.length === 0) {
  console.log(`no claims ledgers in ${resultsDir()} (cpu and paper runs of the notebooks write results/<notebook>.json, ci runs results/ci/<notebook>.json)`);
  console.log('claims: 0, reproduces: 0, contradicted: 0, undecided: 0');
} else {
  for (const l of ledgers) console.log(`${l.notebook}: preset ${l.preset}, backend ${l.backend}, ${l.dataset}, seeds ${l.seeds.join(', ')}, ${l.wallSeconds} s`);
  console.log('');
  for (const line of claimsTable(ledgers)) console.log(line);
}
