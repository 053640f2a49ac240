/**
 * Reads the regular files of a tar or tar.gz archive whose names pass `keep`. A truncated or corrupt
 * archive rejects the returned promise with an error naming the file (every stream involved has an
 * error listener, so nothing is thrown outside the caller's try/catch).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import * as tar from 'tar-stream';

export interface TarEntry {
  name: string;
  bytes: Buffer;
}

export async function readTarEntries(file: string, keep: (name: string) => boolean): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(new Error(`${file}: ${err.message} (truncated or corrupt archive)`));
    extract.on('entry', (header, stream, next) => {
      stream.on('error', fail);
      const wanted = header.type === 'file' && keep(header.name);
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        if (wanted) chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        if (wanted) entries.push({ name: header.name, bytes: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', fail);
  });
  const input = fs.createReadStream(file);
  input.on('error', (err) => extract.destroy(err));
  const source = /\.(tgz|gz)$/.test(file) ? input.pipe(zlib.createGunzip()).on('error', (err) => extract.destroy(err)) : input;
  source.pipe(extract);
  await done;
  return entries;
}
