/**
 * Downloads a file once into the cache: follows redirects, shows a progress bar, verifies the
 * checksum and only then renames the temporary file into place, so a failed or interrupted
 * download never leaves a partial file under the final name.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { SingleBar, Presets } from 'cli-progress';

export interface Checksum {
  algorithm: 'sha256' | 'md5';
  hex: string;
}

export interface DownloadOptions {
  checksum: Checksum;
  /** show a progress bar on stderr (default: when stderr is a terminal) */
  progress?: boolean;
  maxRedirects?: number;
}

export function fileChecksum(file: string, algorithm: Checksum['algorithm']): string {
  return crypto.createHash(algorithm).update(fs.readFileSync(file)).digest('hex');
}

function get(url: string, redirectsLeft: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : url.startsWith('http:') ? http : undefined;
    if (!client) return reject(new Error(`unsupported URL ${url} (http or https only)`));
    const req = client.get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft <= 0) return reject(new Error(`too many redirects fetching ${url}`));
        return resolve(get(new URL(res.headers.location, url).toString(), redirectsLeft - 1));
      }
      if (status !== 200) {
        res.resume();
        return reject(new Error(`GET ${url} failed: HTTP ${status}`));
      }
      resolve(res);
    });
    req.on('error', (err) => reject(new Error(`GET ${url} failed: ${err.message}`)));
    req.setTimeout(60_000, () => req.destroy(new Error('no data for 60 s')));
  });
}

const transient = /ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up|no data for|connection closed after/;

/**
 * Downloads `url` to `dest` unless a file with the right checksum is already there. Connection
 * failures (reset, timeout, cut body) are retried twice; HTTP errors and checksum mismatches are not.
 */
export async function download(url: string, dest: string, options: DownloadOptions): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(url, dest, options);
    } catch (err) {
      if (attempt >= 3 || !transient.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function downloadOnce(url: string, dest: string, options: DownloadOptions): Promise<string> {
  const { algorithm, hex } = options.checksum;
  if (fs.existsSync(dest) && fileChecksum(dest, algorithm) === hex) return dest;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.part`;
  const hash = crypto.createHash(algorithm);
  const showProgress = options.progress ?? process.stderr.isTTY === true;
  let bar: SingleBar | undefined;
  try {
    const res = await get(url, options.maxRedirects ?? 5);
    const total = Number(res.headers['content-length'] ?? 0);
    if (showProgress) {
      bar = new SingleBar({ format: `${path.basename(dest)} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr }, Presets.shades_classic);
      bar.start(total || 1, 0);
    }
    await new Promise<void>((resolve, reject) => {
      const out = fs.createWriteStream(tmp);
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        bar?.update(received);
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error(`connection closed after ${received} bytes`)));
      out.on('error', reject);
      out.on('finish', () => (total > 0 && received !== total ? reject(new Error(`got ${received} of ${total} bytes`)) : resolve()));
      res.pipe(out);
    });
    const got = hash.digest('hex');
    if (got !== hex) throw new Error(`checksum mismatch for ${url}: ${algorithm} ${got}, expected ${hex}`);
    fs.renameSync(tmp, dest);
    return dest;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`download of ${path.basename(dest)} failed: ${(err as Error).message}`);
  } finally {
    bar?.stop();
  }
}
