/**
 * `npm run notebooks [-- [--results] [--commit] names...]`: builds nothing itself (run `npm run build`
 * first), sets up Jupyter + the project's tslab kernel and executes the notebooks under notebooks/
 * (all, or the given ones) in the preset of KTG_PRESET (default ci).
 *  - By default the executed copies go to build/notebooks/ (git-ignored): `npm test` and `npm run main`
 *    never touch the committed notebooks, whose outputs come from `cpu` runs.
 *  - `--commit` writes the outputs back into notebooks/ — the one way to regenerate a committed
 *    notebook; refused for the `ci` preset.
 *  - `--results` then prints each notebook's result tables (its Markdown table outputs) in the
 *    terminal, so that `npm run main` ends with the chapter's results.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { jupyterPath, python, root, setupJupyter } from './setup_system';
import { paletteNotebookPictures } from '../src/viz/png_palette';

/** where executed copies go unless --commit */
const executedDir = path.join(root, 'build', 'notebooks');

function main(): void {
  const preset = process.env.KTG_PRESET ?? 'ci';
  const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
  for (const f of flags) if (!['--results', '--commit'].includes(f)) throw new Error(`unknown option ${f} (have --results, --commit)`);
  const commit = flags.has('--commit');
  if (commit && preset === 'ci')
    throw new Error(
      '--commit writes the committed notebooks, whose outputs come from cpu runs: set KTG_PRESET=cpu (or paper), or leave --commit out to execute into build/notebooks/',
    );
  const dir = path.join(root, 'notebooks');
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const all = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('_'))
    .sort();
  const chosen =
    wanted.length === 0
      ? all
      : wanted.map((w) => {
          const name = path.basename(w).endsWith('.ipynb') ? path.basename(w) : `${path.basename(w)}.ipynb`;
          if (!all.includes(name)) throw new Error(`no notebook ${name} in notebooks/ (have: ${all.join(', ')})`);
          return name;
        });
  setupJupyter();
  const env = { ...process.env, JUPYTER_PATH: jupyterPath, KTG_PRESET: preset };
  const out = commit ? [] : ['--out', executedDir];
  const res = spawnSync(
    python,
    [path.join(__dirname, 'run_notebooks.py'), process.env.KTG_CELL_TIMEOUT ?? '1800', ...out, ...chosen.map((n) => path.join('notebooks', n))],
    {
      cwd: root,
      env,
      stdio: 'inherit',
    },
  );
  // committed notebooks carry their pictures with a 256-colour palette (the size budget; ~0.3 s a picture)
  if (res.status === 0 && commit)
    for (const n of chosen) {
      const file = path.join(dir, n);
      const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Parameters<typeof paletteNotebookPictures>[0];
      const changed = paletteNotebookPictures(nb);
      fs.writeFileSync(file, `${JSON.stringify(nb, null, 1)}\n`);
      console.log(`[notebooks] ${n}: ${changed} picture(s) stored with a 256-colour palette (${(fs.statSync(file).size / 1e6).toFixed(2)} MB)`);
    }
  if (res.status === 0 && flags.has('--results')) for (const n of chosen) printResultTables(path.join(commit ? dir : executedDir, n), preset);
  process.exit(res.status ?? 1);
}

/** the Markdown outputs of an executed notebook that hold a table, as they read in a terminal */
function printResultTables(file: string, preset: string): void {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ outputs?: Array<{ data?: Record<string, string | string[]> }> }> };
  const tables = nb.cells
    .flatMap((c) => c.outputs ?? [])
    // tables go out as HTML with their markdown as text/plain (older outputs: text/markdown)
    .map((o) => o.data?.['text/markdown'] ?? o.data?.['text/plain'])
    .filter((m): m is string | string[] => m != null)
    .map((m) => (Array.isArray(m) ? m.join('') : m))
    .filter((m) => /^\|.*\|\s*$/m.test(m));
  const name = path.basename(file, '.ipynb');
  console.log(`\n=== results of ${name} (${preset} preset; executed copy: ${path.relative(root, file)}) ===`);
  for (const t of tables) console.log(`\n${t.replace(/\*\*/g, '').trim()}`);
  if (preset === 'ci')
    console.log(
      `\nThis was the ci preset: a functional run (small data, few epochs, 2 seeds); its verdicts check that the notebook works and are not results. ` +
        `The committed results are the cpu run's: notebooks/${name}.ipynb, results/${name}.json, and \`npm run claims\` over all notebooks.`,
    );
}

try {
  main();
} catch (err) {
  console.error(`[notebooks] ${(err as Error).message}`);
  process.exit(1);
}
