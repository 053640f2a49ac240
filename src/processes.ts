/** Other processes on this machine, seen from this one: is a pid alive, which processes run from a folder. */
import * as fs from 'fs';
import * as path from 'path';

/** true when a process with this pid exists on this machine (also when it is another user's) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * the pids, other than this process's, whose command line names a path under `dir`, e.g. Chromium
 * started with a profile there, and its helpers; Linux only (/proc), elsewhere none
 */
export function processesUnder(dir: string): number[] {
  if (!fs.existsSync('/proc/self/cmdline')) return [];
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (Number(pid) !== process.pid && cmdline.includes(`${dir}${path.sep}`)) pids.push(Number(pid));
  }
  return pids;
}
