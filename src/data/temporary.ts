/**
 * Temporary files that go away with the process: a notebook's throw-away study database, the
 * Chromium profile of the static figure renderer. Each lives in one folder per process under the
 * system temp folder, removed when the process exits normally or on SIGTERM (how Jupyter shuts a
 * kernel down). SIGINT is left alone: in a kernel it interrupts a cell, it does not end the process.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

let root: string | undefined;
const beforeRemoval: (() => void)[] = [];

/**
 * `stop` runs (synchronously) just before this process's temporary folder is removed: for a child
 * process that writes into it, e.g. Chromium, which writes its profile's `Local State` as it shuts
 * down and so re-created the folder after the removal.
 */
export function stopBeforeRemoval(stop: () => void): void {
  beforeRemoval.push(stop);
}

function removeRoot(): void {
  for (const stop of beforeRemoval.splice(0)) {
    try {
      stop();
    } catch {
      // removal goes on: a writer that could not be stopped is no reason to leave the folder
    }
  }
  if (root) fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  root = undefined;
}

function onTerm(): void {
  removeRoot();
  // then end as SIGTERM would have without this listener
  process.kill(process.pid, 'SIGTERM');
}

/** this process's temporary folder, created on first use */
export function temporaryRoot(): string {
  if (!root) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), `ktg-${process.pid}-`));
    process.once('exit', removeRoot);
    if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', onTerm);
  }
  return root;
}

/** a fresh path (not created) in this process's temporary folder, e.g. temporaryPath('ch4-study', '.db') */
export function temporaryPath(prefix: string, suffix = ''): string {
  const dir = temporaryRoot();
  for (let i = 0; ; i++) {
    const file = path.join(dir, `${prefix}-${Date.now().toString(36)}${i ? `-${i}` : ''}${suffix}`);
    if (!fs.existsSync(file)) return file;
  }
}

/** a fresh folder in this process's temporary folder */
export function temporaryDir(prefix: string): string {
  return fs.mkdtempSync(path.join(temporaryRoot(), `${prefix}-`));
}
