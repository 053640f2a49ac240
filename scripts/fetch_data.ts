/**
 * `npm run data -- <dataset> ...`: says where each dataset will come from (the cache, or which files
 * of what size from which URL into which folder), then downloads, verifies and decodes them, so that
 * a notebook or a search starts with its data in place. The main job runs it before its notebook.
 */
import * as path from 'path';
import { dataDir, howToProvide, loadDataset, planDataset } from '../src/data';

function mib(bytes: number): string {
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  if (names.length === 0) throw new Error('usage: npm run data -- <dataset> [<dataset> ...]');
  const where = path.relative(process.cwd(), dataDir()) || dataDir();
  // every dataset's plan first: a dataset that cannot come from anywhere is reported with the others, before any work
  const problems: string[] = [];
  for (const name of names) {
    try {
      planDataset(name);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}\n${howToProvide(name)}`);
    }
  }
  if (problems.length) throw new Error(`${problems.length} of ${names.length} dataset(s) cannot be loaded here:\n${problems.join('\n')}`);
  for (const name of names) {
    const plan = planDataset(name);
    if (plan.note) console.log(`[data] ${name}: ${plan.note}`);
    if (plan.downloads.length === 0) {
      console.log(`[data] ${name}: ${plan.label} is in the cache (${where}/)`);
    } else {
      const total = plan.downloads.reduce((s, d) => s + d.bytes, 0);
      console.log(
        `[data] ${name}: downloading ${plan.label}, ${plan.downloads.length} file${plan.downloads.length === 1 ? '' : 's'}, ${mib(total)} into ${where}/`,
      );
      for (const d of plan.downloads) console.log(`[data]   ${d.url} (${mib(d.bytes)})`);
    }
    const { train, test, source } = await loadDataset(name, { progress: process.stderr.isTTY === true });
    console.log(`[data] ${name}: ${source.label} ready, ${train.labels.length} train / ${test.labels.length} test images of ${train.shape.join('×')}`);
  }
}

main().catch((err) => {
  console.error(`[data] ${(err as Error).message}`);
  process.exit(1);
});
