/**
 * A JSON file that several processes update at once, each its own part (e.g. `npm run equivalence`
 * with one process per core, each writing its own run): every update re-reads the file under a lock
 * file, changes it and writes it back through a rename, so no process loses another's writes and a
 * reader never sees half a file.
 */
import * as fs from 'fs';
import * as path from 'path';

/** a lock older than this belongs to a process that died while holding it (an update takes milliseconds) */
const STALE_MS = 60_000;
const POLL_MS = 20;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquire(lock: string): void {
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_MS) fs.rmSync(lock, { force: true });
      else sleep(POLL_MS);
    }
  }
}

/** the file's parsed text, or undefined when it does not exist */
export function readJsonFile<T>(file: string): T | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

/** `update` gets the file's current value (`parse(undefined)` when it does not exist yet); what it leaves is written back */
export function updateJsonFile<T>(file: string, parse: (stored: T | undefined) => T, update: (value: T) => void): T {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  acquire(lock);
  try {
    const value = parse(readJsonFile<T>(file));
    update(value);
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, JSON.stringify(value, null, 1) + '\n');
    fs.renameSync(partial, file);
    return value;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
