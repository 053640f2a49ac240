/** Reads the regular files of a tar or tar.gz archive whose names pass `keep`. */
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
    extract.on('entry', (header, stream, next) => {
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
    extract.on('error', reject);
  });
  const input = fs.createReadStream(file);
  input.on('error', (err) => extract.destroy(err));
  const source = /\.(tgz|gz)$/.test(file) ? input.pipe(zlib.createGunzip()).on('error', (err) => extract.destroy(err)) : input;
  source.pipe(extract);
  await done;
  return entries;
}
