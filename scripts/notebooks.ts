/**
 * `npm run notebooks [-- names...]`: builds nothing itself (run `npm run build` first), sets up
 * Jupyter + the project's tslab kernel and executes the notebooks under notebooks/ (all, or the
 * given ones) in the preset of KTG_PRESET (default ci), writing their outputs back.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { jupyterPath, python, root, setupJupyter } from './setup_system';

function main(): void {
  setupJupyter();
  const dir = path.join(root, 'notebooks');
  const wanted = process.argv.slice(2);
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
  process.exit(res.status ?? 1);
}

try {
  main();
} catch (err) {
  console.error(`[notebooks] ${(err as Error).message}`);
  process.exit(1);
}
