/**
 * Installs what the notebooks and tests need outside npm, from Debian packages when running as root
 * on Debian/Ubuntu (otherwise it prints the command): Jupyter for /usr/bin/python3 (nbclient,
 * jupyter_client) and redis-server (started by the distributed-search tests themselves). Registers
 * the tslab kernel for this project only, as .jupyter-runtime/kernels/tslab/kernel.json (used
 * through JUPYTER_PATH; nothing global).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const root = path.resolve(__dirname, '..');
export const jupyterPath = path.join(root, '.jupyter-runtime');
export const python = '/usr/bin/python3';
const jupyterPackages = ['jupyter-client', 'jupyter-nbconvert', 'python3-nbclient', 'python3-ipykernel'];

function hasJupyter(): boolean {
  if (!fs.existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import nbclient, nbformat, jupyter_client'], { stdio: 'ignore' }).status === 0;
}

/** where redis-server is, or undefined */
export function redisServerPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    const file = path.join(dir, 'redis-server');
    if (dir && fs.existsSync(file)) return file;
  }
  return undefined;
}

function installDebianPackages(packages: string[], what: string, elsewhere: string): void {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && fs.existsSync('/usr/bin/apt-get')) {
    console.log(`[setup] installing ${packages.join(' ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
      const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
      if (res.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${res.status})`);
    }
    return;
  }
  throw new Error(`${what} is missing. Install it with\n  sudo apt-get install ${packages.join(' ')}\nor, outside Debian/Ubuntu,\n  ${elsewhere}`);
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
  if (!hasJupyter()) installDebianPackages(jupyterPackages, 'Jupyter (nbclient, jupyter_client) for /usr/bin/python3', 'python3 -m pip install nbclient nbformat jupyter_client');
  if (!hasJupyter()) throw new Error('Jupyter is still not importable from /usr/bin/python3 after installation');
  registerKernel();
}

export function setupRedis(): void {
  if (!redisServerPath()) installDebianPackages(['redis-server'], 'redis-server (for the distributed-search tests)', 'install Redis ≥ 6 so that redis-server is on PATH');
  if (!redisServerPath()) throw new Error('redis-server is still not on PATH after installation');
}

if (require.main === module) {
  try {
    setupJupyter();
    console.log(`[setup] tslab kernel registered under ${jupyterPath} (use JUPYTER_PATH=${jupyterPath})`);
    setupRedis();
    console.log(`[setup] redis-server: ${redisServerPath()}`);
  } catch (err) {
    console.error(`[setup] ${(err as Error).message}`);
    process.exit(1);
  }
}
