/**
 * ktg's Jupyter kernel starts the static figure renderer before any cell runs (#33): the kernel
 * spec preloads scripts/kernel_preload.js, which loads the (built) renderer; in a process started
 * like the kernel, Chromium's profile appears without ktg being imported, and it is removed when
 * Jupyter stops the kernel with SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { registerKernel } from '../../scripts/setup_system';
import { temporaryDir } from '../../src/data/temporary';

const root = path.resolve(__dirname, '../..');
const preload = path.join(root, 'scripts', 'kernel_preload.js');

/** this process's profile folders of the renderer under the system temp folder */
function profilesOf(pid: number): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((d) => d.startsWith(`ktg-${pid}-`))
    .flatMap((d) => fs.readdirSync(path.join(os.tmpdir(), d)).map((c) => path.join(os.tmpdir(), d, c)))
    .filter((c) => fs.statSync(c).isDirectory())
    .flatMap((c) => fs.readdirSync(c).filter((p) => p.startsWith('playwright_chromiumdev_profile-')));
}

test('the kernel spec preloads the renderer', () => {
  const spec = JSON.parse(fs.readFileSync(path.join(registerKernel(), 'kernel.json'), 'utf8')) as { argv: string[] };
  const at = spec.argv.indexOf('--require');
  assert.ok(at > 0, `no --require in ${spec.argv.join(' ')}`);
  assert.equal(spec.argv[at + 1], preload);
  assert.match(spec.argv[at + 2], /[\\/]tslab[\\/]bin[\\/]tslab$/);
});

test('a process started like the kernel has Chromium running before any cell, and removes its profile on SIGTERM', async () => {
  assert.ok(fs.existsSync(path.join(root, 'dist', 'viz', 'static_render.js')), 'build first (npm run build): the preload loads dist/');
  // a stand-in for tslab/bin/tslab that idles like a kernel waiting for its first cell
  const fake = path.join(temporaryDir('fake-tslab'), 'tslab', 'bin');
  fs.mkdirSync(fake, { recursive: true });
  fs.writeFileSync(path.join(fake, 'tslab'), 'setInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, ['--require', preload, path.join(fake, 'tslab'), 'kernel'], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 30_000;
    while (profilesOf(child.pid!).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(profilesOf(child.pid!).length, 1, 'no Chromium profile appeared within 30 s');
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  assert.deepEqual(profilesOf(child.pid!), []);
});
