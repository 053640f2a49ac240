/**
 * The library tour's TypeScript examples (docs/LIBRARY.md, linked from the README) run as written in a notebook: every ```ts block becomes a cell of
 * a generated notebook (in order, `from 'ktg'` → `from '../dist'`, as notebooks import the built
 * library), executed by the real tslab kernel through the notebook runner. Lines marked
 * `// illustrative` (they need files or weights a reader supplies) are the only ones left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

function readmeBlocks(): string[] {
  const readme = fs.readFileSync(path.join(root, 'docs', 'LIBRARY.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('every code block of the library tour (docs/LIBRARY.md) runs in a notebook (lines marked "// illustrative" excepted)', () => {
  const blocks = readmeBlocks();
  assert.ok(blocks.length >= 5, `found only ${blocks.length} ts blocks in docs/LIBRARY.md`);
  const cells = blocks.map((b) =>
    b
      .split('\n')
      .filter((line) => !/\/\/ illustrative/.test(line))
      .join('\n')
      .replace(/from 'ktg'/g, "from '../dist'")
      .trimEnd(),
  );
  const illustrative = blocks
    .join('\n')
    .split('\n')
    .filter((l) => /\/\/ illustrative/.test(l));
  assert.ok(illustrative.length <= 3, `too many illustrative lines: ${illustrative.length}`);
  const notebook = {
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `readme-${i + 1}`, execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: 'TypeScript (ktg tslab)', language: 'typescript', name: 'tslab' }, language_info: { name: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(root, 'notebooks', '_readme_examples.ipynb');
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
  try {
    const res = spawnSync('/usr/bin/python3', [path.join(root, 'scripts', 'run_notebooks.py'), '900', path.relative(root, file)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: path.join(root, '.jupyter-runtime'), KTG_PRESET: 'ci' },
      timeout: 20 * 60_000,
    });
    assert.equal(res.status, 0, `a docs/LIBRARY.md block failed:\n${res.stdout}\n${res.stderr}`);
    const executed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      cells: Array<{ cell_type: string; source: string | string[]; metadata: { ktg?: string }; outputs?: Array<{ output_type: string }> }>;
    };
    const errors = executed.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error');
    assert.equal(errors.length, 0);
    // the runner says at the top how the outputs were made (a code cell comes first here, so the banner is cell 0)
    const banner = executed.cells[0];
    assert.equal(banner.metadata.ktg, 'ktg-run');
    assert.match(
      [banner.source].flat().join(''),
      /^> \*\*Outputs below:\*\* preset `ci`, backend `(native|wasm|cpu|tensorflow)`.*, wall time \d+ (s|min) for the whole notebook, executed \d{4}-\d{2}-\d{2} on \d+ CPU cores/,
    );
    assert.equal(executed.cells.filter((c) => c.metadata.ktg === 'ktg-run').length, 1);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
