/**
 * `npm run notebooks [-- [--results] names...]`: builds nothing itself (run `npm run build` first),
 * sets up Jupyter + the project's tslab kernel and executes the notebooks under notebooks/ (all, or
 * the given ones) in the preset of KTG_PRESET (default ci), writing their outputs back. With
 * `--results` it then prints each notebook's result tables (its Markdown table outputs) in the
 * terminal, so that `npm run main` ends with the chapter's results.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { jupyterPath, python, root, setupJupyter } from './setup_system';

function main(): void {
  setupJupyter();
  const dir = path.join(root, 'notebooks');
  const printResults = process.argv.includes('--results');
  const wanted = process.argv.slice(2).filter((a) => a !== '--results');
  const all = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
  const chosen = wanted.length === 0 ? all : wanted.map((w) => {
    const name = path.basename(w).endsWith('.ipynb') ? path.basename(w) : `${path.basename(w)}.ipynb`;
    if (!all.includes(name)) throw new Error(`no notebook ${name} in notebooks/ (have: ${all.join(', ')})`);
    return name;
  });
  const env = { ...process.env, JUPYTER_PATH: jupyterPath, KTG_PRESET: process.env.KTG_PRESET ?? 'ci' };
  const res = spawnSync(python, [path.join(__dirname, 'run_notebooks.py'), process.env.KTG_CELL_TIMEOUT ?? '1800', ...chosen.map((n) => path.join('notebooks', n))], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  if (res.status === 0 && printResults) for (const n of chosen) printResultTables(path.join(dir, n));
  process.exit(res.status ?? 1);
}

/** the Markdown outputs of an executed notebook that hold a table, as they read in a terminal */
function printResultTables(file: string): void {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ outputs?: Array<{ data?: Record<string, string | string[]> }> }> };
  const tables = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => o.data?.['text/markdown'])
    .filter((m): m is string | string[] => m != null)
    .map((m) => (Array.isArray(m) ? m.join('') : m))
    .filter((m) => /^\|.*\|\s*$/m.test(m));
  console.log(`\n=== results of ${path.basename(file)} (${process.env.KTG_PRESET ?? 'ci'} preset) ===`);
  for (const t of tables) console.log(`\n${t.replace(/\*\*/g, '').trim()}`);
}

try {
  main();
} catch (err) {
  console.error(`[notebooks] ${(err as Error).message}`);
  process.exit(1);
}
