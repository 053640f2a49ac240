/**
 * `npm run claims`: Holm's correction over every notebook's claims ledger (results/*.json), stored in
 * each claim as result.holm, then one table over all of them with both verdict columns, ending with
 * the Holm counts and the line `claims: N, reproduces: a, contradicted: b, undecided: c, not tested: d`.
 * `npm run claims -- --seeds-needed`: first, per undecided claim, the paired seeds that would decide it
 * if its mean and spread stayed as measured, and what its interval rules out.
 * `npm run claims -- --forest docs/claims_forest.png`: also writes the forest plot of all claims as a
 * PNG (the README's figure; needs Chromium, see `npm run setup:system`).
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { claimsTable, resultsDir, seedsNeededTable, updateHolm } from '../src/claims';
import { claimsForestFigure } from '../src/viz/claims_forest';
import { FIGURE_WIDTH, withReadableLayout } from '../src/viz/plotly';
import { renderStaticPng } from '../src/viz/static_render';

const { values } = parseArgs({ options: { 'seeds-needed': { type: 'boolean', default: false }, forest: { type: 'string' } } });
const ledgers = updateHolm();
if (ledgers.length === 0) {
  console.log(`no claims ledgers in ${resultsDir()} (cpu and paper runs of the notebooks write results/<notebook>.json, ci runs results/ci/<notebook>.json)`);
  console.log('claims: 0, reproduces: 0, contradicted: 0, undecided: 0, not tested: 0');
} else {
  for (const l of ledgers)
    console.log(
      `${l.notebook}: preset ${l.preset}, backend ${l.backend}, ${l.dataset}, seeds ${l.seeds.join(', ')}, ${l.wallSeconds} s${l.provenance ? ` (${l.provenance})` : ''}`,
    );
  console.log('');
  if (values['seeds-needed']) {
    for (const line of seedsNeededTable(ledgers)) console.log(line);
    console.log('');
  }
  for (const line of claimsTable(ledgers)) console.log(line);
}

if (values.forest) {
  const figure = withReadableLayout(claimsForestFigure(ledgers), FIGURE_WIDTH);
  const png = renderStaticPng(figure, { width: 1000, height: Number(figure.layout?.height) });
  if (!png) throw new Error('no PNG: the static renderer is not available (see the warning above)');
  fs.writeFileSync(values.forest, Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
  console.log(`forest plot written to ${values.forest}`);
  process.exit(0);
}
