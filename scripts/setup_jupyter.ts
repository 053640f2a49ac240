/**
 * Makes headless notebook execution possible: checks that /usr/bin/python3 has nbclient and
 * jupyter_client (installs the Debian packages when running as root on Debian/Ubuntu, otherwise
 * prints the command), and registers the tslab kernel for this project only, as
 * .jupyter-runtime/kernels/tslab/kernel.json (used through JUPYTER_PATH; nothing global).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const root = path.resolve(__dirname, '..');
export const jupyterPath = path.join(root, '.jupyter-runtime');
export const python = '/usr/bin/python3';
const debianPackages = ['jupyter-client', 'jupyter-nbconvert', 'python3-nbclient', 'python3-ipykernel'];

function hasJupyter(): boolean {
  if (!fs.existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import nbclient, nbformat, jupyter_client'], { stdio: 'ignore' }).status === 0;
}

function installJupyter(): void {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && fs.existsSync('/usr/bin/apt-get')) {
    console.log(`[setup] installing ${debianPackages.join(' ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...debianPackages]]) {
      const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (res.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${res.status})`);
    }
    return;
  }
  throw new Error(
    'Jupyter (nbclient, jupyter_client) is missing for /usr/bin/python3. Install it with\n' +
      `  sudo apt-get install ${debianPackages.join(' ')}\n` +
      'or, outside Debian/Ubuntu,\n  python3 -m pip install nbclient nbformat jupyter_client',
  );
}

export function registerKernel(): string {
  const dir = path.join(jupyterPath, 'kernels', 'tslab');
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, require.resolve('tslab/bin/tslab'), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (ktg tslab)',
    language: 'typescript',
  };
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 2));
  return dir;
}

export function setupJupyter(): void {
  if (!hasJupyter()) installJupyter();
  if (!hasJupyter()) throw new Error('Jupyter is still not importable from /usr/bin/python3 after installation');
  registerKernel();
}

if (require.main === module) {
  try {
    setupJupyter();
    console.log(`[setup] tslab kernel registered under ${jupyterPath} (use JUPYTER_PATH=${jupyterPath})`);
  } catch (err) {
    console.error(`[setup] ${(err as Error).message}`);
    process.exit(1);
  }
}
