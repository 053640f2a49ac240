/**
 * Temporary files go away with the process (#32): the static renderer's Chromium profile and a
 * notebook's throw-away study database, on a normal exit and on SIGTERM (Jupyter's kernel shutdown).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const profiles = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('playwright_chromiumdev_profile-')).length;

/** a process that renders a figure, writes a temporary study file, prints its temporary folder, then exits or waits for a signal */
function child(wait: boolean): Promise<{ dir: string; code: number | null; signal: NodeJS.Signals | null }> {
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
      if (wait && out.includes('\n')) proc.kill('SIGTERM');
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      const line = JSON.parse(out.trim().split('\n').pop()!) as { dir: string; png: boolean };
      assert.ok(line.png, 'the renderer made a PNG (Chromium is set up)');
      resolve({ dir: line.dir, code, signal });
    });
  });
}

test('temporary files and the Chromium profile are gone after a normal exit and after SIGTERM', async () => {
  const before = profiles();
  const normal = await child(false);
  assert.equal(normal.code, 0);
  assert.equal(fs.existsSync(normal.dir), false, `${normal.dir} is left`);
  const term = await child(true);
  assert.equal(term.signal, 'SIGTERM', 'it still ends as SIGTERM ends a process');
  assert.equal(fs.existsSync(term.dir), false, `${term.dir} is left`);
  assert.equal(profiles(), before, 'no Chromium profile folder left in the system temp folder');
});
