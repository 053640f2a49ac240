/**
 * Installs what the notebooks and tests need outside npm, from Debian packages when running as root
 * on Debian/Ubuntu (otherwise it prints the command): Jupyter for /usr/bin/python3 (nbclient,
 * jupyter_client), redis-server (started by the distributed-search tests themselves), and oneDNN
 * (libdnnl-dev) with the C++ tool chain, then builds the native addon (native/, node-gyp) that the
 * `native` backend loads. Registers the tslab kernel for this project only, as
 * .jupyter-runtime/kernels/tslab/kernel.json (used through JUPYTER_PATH; nothing global).
 * `tsx scripts/setup_system.ts native` (npm run build:native) only does the native part.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { installPlotlyForNotebooks } from '../src/viz/plotly';

export const root = path.resolve(__dirname, '..');
export const jupyterPath = path.join(root, '.jupyter-runtime');
export const python = '/usr/bin/python3';
const jupyterPackages = ['jupyter-client', 'jupyter-nbconvert', 'python3-nbclient', 'python3-ipykernel', 'jupyter-notebook'];
/** headless Chromium: static images of figures, and the notebook UI test */
const browserPackages = ['chromium'];
export const chromium = '/usr/bin/chromium';

function hasJupyter(): boolean {
  if (!fs.existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import nbclient, nbformat, jupyter_client, notebook'], { stdio: 'ignore' }).status === 0;
}

/** where redis-server is, or undefined */
export function redisServerPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    const file = path.join(dir, 'redis-server');
    if (dir && fs.existsSync(file)) return file;
  }
  return undefined;
}

function canApt(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get');
}

function installDebianPackages(packages: string[], what: string, elsewhere: string): void {
  if (canApt()) {
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
    // the preload starts the static figure renderer as the kernel starts (scripts/kernel_preload.js)
    argv: [
      process.execPath,
      '--require',
      path.join(root, 'scripts', 'kernel_preload.js'),
      require.resolve('tslab/bin/tslab'),
      'kernel',
      '--config-path',
      '{connection_file}',
    ],
    display_name: 'TypeScript (ktg tslab)',
    language: 'typescript',
  };
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 2));
  return dir;
}

export function setupJupyter(): void {
  if (!hasJupyter())
    installDebianPackages(
      jupyterPackages,
      'Jupyter (nbclient, jupyter_client, notebook) for /usr/bin/python3',
      'python3 -m pip install nbclient nbformat jupyter_client "notebook<7"',
    );
  if (!hasJupyter()) throw new Error('Jupyter is still not importable from /usr/bin/python3 after installation');
  if (!fs.existsSync(chromium)) {
    if (canApt()) installDebianPackages(browserPackages, 'Chromium', '');
    else console.log(`[setup] no ${chromium}: figures will have no static image (install Chromium, or set KTG_CHROMIUM)`);
  }
  registerKernel();
  installPlotlyForNotebooks(path.join(root, 'notebooks'));
}

export function setupRedis(): void {
  if (!redisServerPath())
    installDebianPackages(['redis-server'], 'redis-server (for the distributed-search tests)', 'install Redis ≥ 6 so that redis-server is on PATH');
  if (!redisServerPath()) throw new Error('redis-server is still not on PATH after installation');
}

const nativePackages = ['libdnnl-dev', 'g++', 'make', 'python3'];
const nativeSources = path.join(root, 'native');
const nativeBinary = path.join(nativeSources, 'build', 'Release', 'ktg_native.node');

/** true when a C++ compiler finds oneDNN's header */
function hasOneDnn(): boolean {
  const res = spawnSync('g++', ['-fsyntax-only', '-x', 'c++', '-'], {
    input: '#include <oneapi/dnnl/dnnl.hpp>\nint main() { return 0; }\n',
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return res.status === 0;
}

function newestSource(): number {
  const files = [path.join(nativeSources, 'binding.gyp'), ...fs.readdirSync(path.join(nativeSources, 'src')).map((f) => path.join(nativeSources, 'src', f))];
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/** node-gyp as npm ships it (npm sets npm_config_node_gyp for scripts) */
function nodeGyp(): string {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const found = candidates.find((c): c is string => c != null && fs.existsSync(c));
  if (found == null) throw new Error('node-gyp not found (it comes with npm; run this through npm run setup:system)');
  return found;
}

/** Node's own headers when this installation has them, so that node-gyp downloads nothing */
function nodeDirArgs(): string[] {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/**
 * Installs oneDNN and builds the addon. The native backend is optional: where it cannot be
 * installed (not root, not Debian/Ubuntu) this prints what to install and returns false.
 */
export function setupNative(): boolean {
  if (!hasOneDnn()) {
    if (!canApt()) {
      console.log(
        `[setup] native backend skipped: oneDNN is not installed (Debian/Ubuntu: sudo apt-get install ${nativePackages.join(' ')}; elsewhere install oneDNN ≥ 2.6 and a C++17 compiler, then npm run build:native). ktg will use wasm.`,
      );
      return false;
    }
    installDebianPackages(nativePackages, 'oneDNN', '');
    if (!hasOneDnn()) throw new Error('oneDNN headers are still not found after installing libdnnl-dev');
  }
  if (fs.existsSync(nativeBinary) && fs.statSync(nativeBinary).mtimeMs >= newestSource()) return true;
  console.log('[setup] building the native addon (oneDNN kernels)');
  const res = spawnSync(process.execPath, [nodeGyp(), 'rebuild', '--release', '--loglevel=warn', `--directory=${nativeSources}`, ...nodeDirArgs()], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: root,
  });
  if (res.status !== 0 || !fs.existsSync(nativeBinary))
    throw new Error(`building the native addon failed (node-gyp exit ${res.status}); see the compiler output above`);
  return true;
}

if (require.main === module) {
  try {
    if (process.argv[2] === 'native') {
      setupNative();
      process.exit(0);
    }
    const native = setupNative();
    if (native) console.log(`[setup] native addon: ${path.relative(root, nativeBinary)}`);
    setupJupyter();
    console.log(`[setup] tslab kernel registered under ${jupyterPath} (use JUPYTER_PATH=${jupyterPath})`);
    setupRedis();
    console.log(`[setup] redis-server: ${redisServerPath()}`);
  } catch (err) {
    console.error(`[setup] ${(err as Error).message}`);
    process.exit(1);
  }
}
