/** Real processes for the search tests: a redis-server on loopback, the compiled `ktg` CLI, temp dirs. */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import Redis from 'ioredis';
import { redisServerPath } from '../../scripts/setup_system';
import { temporaryDir } from '../../src/data/temporary';

export const root = path.resolve(__dirname, '..', '..');
export const cli = path.join(root, 'dist', 'cli', 'ktg.js');

/** a scratch folder of this test process, removed when it exits */
export { temporaryDir as tempDir };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** its data folder (with `appendonly`, what a restart on the same folder reads back) */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts a throw-away redis-server on 127.0.0.1 (`npm run setup:system` installs it): by default without
 * persistence on a free port; `port`, `dir` and `appendonly` restart one where a stopped one was, with its data.
 */
export async function startRedis(
  options: { port?: number; dir?: string; appendonly?: boolean; keepDir?: boolean; password?: string } = {},
): Promise<RedisServer> {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server not found: run `npm run setup:system` (apt-get install redis-server)');
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? temporaryDir('redis');
  const auth = options.password ? ['--requirepass', options.password] : [];
  const proc = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no', '--dir', dir, ...auth],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://${options.password ? `:${options.password}@` : ''}127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return {
        url,
        port,
        dir,
        stop: async () => {
          proc.kill('SIGTERM');
          await new Promise((r) => proc.once('exit', r));
          if (!options.keepDir) fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server did not answer on ${url}`);
}

export interface CliRun {
  proc: ChildProcess;
  output: () => string;
  /** resolves with the exit code (null when killed) */
  done: Promise<number | null>;
  /** resolves once the combined output matches */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Runs the compiled CLI (`npm run build` first) in `cwd`. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const proc = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, KTG_THREADS: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners: (() => void)[] = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    listeners.forEach((l) => l());
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const done = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => text,
    done,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${text}`)), timeoutMs);
        listeners.push(check);
        done.then(() => {
          if (!pattern.test(text)) {
            clearTimeout(timer);
            reject(new Error(`process exited before printing ${pattern}:\n${text}`));
          }
        });
        check();
      }),
  };
}
