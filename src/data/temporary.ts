/**
 * Temporary files that go away with the process: a notebook's throw-away study database, the
 * Chromium profile of the static figure renderer. Each lives in one folder per process under the
 * system temp folder, removed when the process exits normally or on SIGTERM (how Jupyter shuts a
 * kernel down). SIGINT is left alone: in a kernel it interrupts a cell, it does not end the process.
 * A process killed outright (SIGKILL, e.g. a timeout) cannot clean up: its folder is removed by the
 * next process that makes one, once no process of that id is alive and nothing in it has changed
 * for an hour (the hour guards a process this one cannot see, e.g. in another container sharing /tmp).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive, processesUnder } from '../processes';

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

/**
 * kills (SIGKILL, nothing written after it) the processes whose command line names a path under
 * `dir`, e.g. Chromium started with a profile there, and its helpers; Linux only (/proc)
 */
export function killProcessesUnder(dir: string): void {
  for (const pid of processesUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/** the latest modification time of `dir` or anything under it (symbolic links not followed) */
function lastChange(dir: string): number {
  let latest = fs.lstatSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? lastChange(file) : fs.lstatSync(file).mtimeMs);
  }
  return latest;
}

/**
 * removes the temporary folders of this user's processes that are gone (`ktg-<pid>-…` with no
 * process <pid>, unchanged for an hour), first killing what may still run from there (Chromium can
 * outlive a SIGKILLed parent)
 */
function removeAbandoned(): void {
  const uid = process.getuid?.();
  for (const name of fs.readdirSync(os.tmpdir())) {
    const owner = /^ktg-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!owner || Number(owner[1]) === process.pid || processAlive(Number(owner[1]))) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (uid !== undefined && fs.statSync(dir).uid !== uid) continue;
      if (Date.now() - lastChange(dir) < ABANDONED_AFTER_MS) continue;
      killProcessesUnder(dir);
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // another process removed it first, or it is not ours: left alone
    }
  }
}

function onTerm(): void {
  removeRoot();
  // then end as SIGTERM would have without this listener
  process.kill(process.pid, 'SIGTERM');
}

/** this process's temporary folder, created on first use */
export function temporaryRoot(): string {
  if (!root) {
    removeAbandoned();
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
