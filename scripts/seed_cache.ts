/**
 * CI only: copies the dataset files of a local folder laid out like the cache (../shared/data on
 * the team's machines) into the data cache, verifying each file against the registry's checksum.
 * The library itself never reads that folder.   tsx scripts/seed_cache.ts <folder>
 */
import * as fs from 'fs';
import * as path from 'path';
import { dataDir, datasets, fileChecksum } from '../src/data';

const source = process.argv[2];
if (!source || !fs.existsSync(source)) {
  console.log(`[seed] no folder ${source ?? '(none given)'}; datasets will be downloaded on first use`);
  process.exit(0);
}
let copied = 0;
for (const entry of Object.values(datasets)) {
  for (const file of entry.files) {
    const from = path.join(source, file.name);
    const to = path.join(dataDir(), file.name);
    if (!fs.existsSync(from) || (fs.existsSync(to) && fileChecksum(to, file.checksum.algorithm) === file.checksum.hex)) continue;
    if (fileChecksum(from, file.checksum.algorithm) !== file.checksum.hex) {
      console.error(`[seed] ${from} does not match its checksum; skipped`);
      continue;
    }
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, `${to}.part`);
    fs.renameSync(`${to}.part`, to);
    copied++;
  }
}
console.log(`[seed] ${copied} file(s) copied into ${dataDir()}`);
