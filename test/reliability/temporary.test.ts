/**
 * Temporary files go away with the process (#32): the static renderer's Chromium profile and a
 * notebook's throw-away study database, on a normal exit and on SIGTERM (Jupyter's kernel shutdown);
 * after a SIGKILL, the next process removes them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { processesUnder } from '../../src/processes';

const root = path.resolve(__dirname, '..', '..');
const profiles = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('playwright_chromiumdev_profile-')).length;

/** a process that renders a figure, writes a temporary study file, prints its temporary folder, then exits or waits for `signal` */
function child(signal?: NodeJS.Signals): Promise<{ dir: string; pid: number; code: number | null; signal: NodeJS.Signals | null }> {
  const wait = signal !== undefined;
  const script = `
    const { renderStaticPng } = require('./src/viz/static_render');
    const { temporaryPath, temporaryRoot } = require('./src/data/temporary');
    const png = renderStaticPng({ data: [{ type: 'bar', x: ['a'], y: [1] }] }, { width: 200, height: 100 });
    require('fs').writeFileSync(temporaryPath('study', '.db'), 'x');
    console.log(JSON.stringify({ dir: temporaryRoot(), png: Boolean(png) }));
    ${wait ? 'setInterval(() => undefined, 1000);' : ''}
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (wait && out.includes('\n')) proc.kill(signal);
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      const line = JSON.parse(out.trim().split('\n').pop()!) as { dir: string; png: boolean };
      assert.ok(line.png, 'the renderer made a PNG (Chromium is set up)');
      resolve({ dir: line.dir, pid: proc.pid!, code, signal });
    });
  });
}

test('temporary files and the Chromium profile are gone after a normal exit and after SIGTERM', async () => {
  const before = profiles();
  const normal = await child();
  assert.equal(normal.code, 0);
  assert.equal(fs.existsSync(normal.dir), false, `${normal.dir} is left`);
  const term = await child('SIGTERM');
  assert.equal(term.signal, 'SIGTERM', 'it still ends as SIGTERM ends a process');
  assert.equal(fs.existsSync(term.dir), false, `${term.dir} is left`);
  assert.equal(profiles(), before, 'no Chromium profile folder left in the system temp folder');
});

/** sets the modification time of `dir` and everything under it `hours` back */
function backdate(dir: string, hours: number): void {
  const when = new Date(Date.now() - hours * 3600_000);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (!entry.isSymbolicLink()) fs.utimesSync(file, when, when);
  }
  fs.utimesSync(dir, when, when);
}

test("a SIGKILLed process's folder is removed by the next one, once its owner is gone and it has been idle for an hour", async () => {
  const killed = await child('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(fs.existsSync(killed.dir), 'SIGKILL leaves the folder (nothing can run on it)');
  // Chromium may outlive its parent for a moment and still write: wait until it is gone, then age the folder
  for (let i = 0; i < 50 && processesUnder(killed.dir).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  backdate(killed.dir, 2);
  // two folders that must stay: a dead owner's but changed recently, and an idle one of a live process (this test)
  const recent = fs.mkdtempSync(path.join(os.tmpdir(), `ktg-${killed.pid}-`));
  fs.writeFileSync(path.join(recent, 'study.db'), 'x');
  const live = fs.mkdtempSync(path.join(os.tmpdir(), `ktg-${process.pid}-`));
  backdate(live, 2);
  try {
    const next = await child();
    assert.equal(next.code, 0);
    assert.equal(fs.existsSync(killed.dir), false, `${killed.dir} is left`);
    assert.deepEqual(processesUnder(killed.dir), [], 'nothing runs from the removed folder');
    assert.ok(fs.existsSync(recent), 'a folder changed within the hour stays (its owner may be a process this one cannot see)');
    assert.ok(fs.existsSync(live), "a live process's folder stays");
  } finally {
    fs.rmSync(recent, { recursive: true, force: true });
    fs.rmSync(live, { recursive: true, force: true });
  }
});
