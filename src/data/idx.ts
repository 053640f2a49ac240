/** IDX files (MNIST, Fashion-MNIST), plain or gzipped. */
import * as zlib from 'zlib';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(buffer: Buffer, file = 'IDX file'): IdxArray {
  const bytes = buffer[0] === 0x1f && buffer[1] === 0x8b ? zlib.gunzipSync(buffer) : buffer;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${file}: not an IDX file (bad magic)`);
  if (bytes[2] !== 0x08) throw new Error(`${file}: only unsigned-byte IDX data is supported (type 0x${bytes[2].toString(16)})`);
  const rank = bytes[3];
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(bytes.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size) throw new Error(`${file}: expected ${size} data bytes for ${dims.join('×')}, found ${bytes.length - offset}`);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size) };
}
