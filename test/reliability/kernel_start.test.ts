/**
 * The notebook runner starts a kernel again when it failed before running any cell (tslab sometimes
 * loses its zeromq start-up race: "Socket is blocked by a bind or unbind operation", then nbclient's
 * "Kernel didn't respond"). Pinned with a real failure: a kernelspec named tslab whose first start
 * exits at once (a marker file remembers it), whose second start is the real tslab kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { temporaryDir } from '../../src/data/temporary';

const root = path.resolve(__dirname, '..', '..');

test('a kernel that dies before its first cell is started again, and the notebook then runs', () => {
  const realSpec = path.join(root, '.jupyter-runtime', 'kernels', 'tslab', 'kernel.json');
  assert.ok(fs.existsSync(realSpec), 'the tslab kernel is not registered (npm run setup:system)');
  const dir = temporaryDir('ktg-kernel-start');
  const notebook = path.join(root, 'notebooks', '_kernel_start.ipynb');
  try {
    const realArgv = (JSON.parse(fs.readFileSync(realSpec, 'utf8')) as { argv: string[] }).argv;
    const marker = path.join(dir, 'started-once');
    const wrapper = path.join(dir, 'flaky-kernel.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nif [ ! -e '${marker}' ]; then touch '${marker}'; exit 3; fi\nexec "$@"\n`, { mode: 0o755 });
    const specDir = path.join(dir, 'kernels', 'tslab');
    fs.mkdirSync(specDir, { recursive: true });
    fs.writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify({ argv: [wrapper, ...realArgv], display_name: 'flaky tslab', language: 'typescript' }));
    const cell = { cell_type: 'code', id: 'c1', execution_count: null, metadata: {}, outputs: [], source: 'console.log(6 * 7);' };
    const nb = {
      cells: [cell],
      metadata: { kernelspec: { name: 'tslab', display_name: 'flaky tslab', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.writeFileSync(notebook, JSON.stringify(nb));
    const res = spawnSync('/usr/bin/python3', [path.join(root, 'scripts', 'run_notebooks.py'), '300', path.relative(root, notebook)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: dir },
      timeout: 10 * 60_000,
    });
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
    assert.ok(fs.existsSync(marker), 'the first start did not go through the failing wrapper');
    assert.match(res.stderr, /the kernel did not start .*starting it again \(attempt 2 of 3\)/);
    const executed = JSON.parse(fs.readFileSync(notebook, 'utf8')) as { cells: Array<{ outputs?: Array<{ text?: string | string[] }> }> };
    const text = executed.cells
      .flatMap((c) => c.outputs ?? [])
      .map((o) => [o.text ?? ''].flat().join(''))
      .join('');
    assert.match(text, /^42$/m);
  } finally {
    fs.rmSync(notebook, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
