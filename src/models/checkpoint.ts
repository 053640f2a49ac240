/**
 * Checkpoints: a model's variables (trainable weights and batch-norm statistics) in one file — a
 * JSON header line naming each variable, its shape and its offset, the data's byte length and a
 * SHA-256 over the header and the data (format 3; format 2 hashed the data only), then the float32
 * data. Loading validates the whole file first (header, length to the byte, checksum, model name,
 * every variable entry, each variable once, shapes) and only then assigns any variable, so a
 * truncated, padded or edited file is refused by name and never half-loads a model.
 */
import { deprecatedIds } from '../schema/ids';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ParamStore } from './layers';

/** what a checkpoint holds: a model's variables under its name (classifiers, and e.g. DCGAN generators named "dcgan-generator") */
export interface Checkpointable {
  readonly info: { readonly name: string };
  readonly params: ParamStore;
}

interface Header {
  /** version 1 files (no bytes/sha256) still load, with the length check */
  format: 'ktg-checkpoint-1' | 'ktg-checkpoint-2' | 'ktg-checkpoint-3';
  model: string;
  /** byte length of the data after the header line, and the SHA-256 of the header without this field, a newline and the data (format 2: of the data alone) */
  bytes?: number;
  sha256?: string;
  variables: { group: 'trainable' | 'state'; name: string; shape: number[]; offset: number; length: number }[];
  meta?: Record<string, unknown>;
}

/** Writes the model's variables to `file` atomically (a .part file, then a rename). */
export function saveCheckpoint(model: Checkpointable, file: string, meta?: Record<string, unknown>): void {
  const bytes = checkpointBytes(model, meta);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/** The model's variables as a checkpoint (the file's bytes), e.g. to store with a job's result. */
export function checkpointBytes(model: Checkpointable, meta?: Record<string, unknown>): Buffer {
  const header: Header = { format: 'ktg-checkpoint-3', model: model.info.name, variables: [], meta };
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const group of ['trainable', 'state'] as const) {
    for (const [name, v] of model.params[group]) {
      const data = v.dataSync() as Float32Array;
      header.variables.push({ group, name, shape: v.shape, offset, length: data.length });
      chunks.push(data);
      offset += data.length;
    }
  }
  const body = Buffer.alloc(offset * 4);
  let at = 0;
  for (const c of chunks) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(body, at);
    at += c.byteLength;
  }
  header.bytes = body.length;
  // the hash covers the header as written without it (sha256 is its last key), then the data
  header.sha256 = createHash('sha256')
    .update(`${JSON.stringify(header)}\n`)
    .update(body)
    .digest('hex');
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body]);
}

/** Loads `file` into an already built model (see `build`); returns the checkpoint's meta. */
export function loadCheckpoint(model: Checkpointable, file: string): Record<string, unknown> | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`checkpoint ${file}: ${(err as Error).message}; nothing was loaded`);
  }
  return loadCheckpointBytes(model, bytes, `checkpoint ${file}`);
}

/** Loads checkpoint bytes (named `what` in errors) into an already built model, with every check of loadCheckpoint. */
export function loadCheckpointBytes(model: Checkpointable, bytes: Buffer, what: string): Record<string, unknown> | undefined {
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why}; nothing was loaded`);
  };
  const newline = bytes.indexOf(10);
  if (newline < 0) fail('not a ktg checkpoint (no header line)');
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Header;
  } catch {
    return fail('not a ktg checkpoint (unreadable header)');
  }
  if (!['ktg-checkpoint-1', 'ktg-checkpoint-2', 'ktg-checkpoint-3'].includes(header.format)) fail(`not a ktg checkpoint (format ${String(header.format)})`);
  if (!Array.isArray(header.variables)) fail('header has no variable list');
  header.variables.forEach((e: unknown, i) => {
    const entry = e as Partial<Header['variables'][number]> | null;
    const natural = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    if (
      !entry ||
      typeof entry.name !== 'string' ||
      (entry.group !== 'trainable' && entry.group !== 'state') ||
      !Array.isArray(entry.shape) ||
      !entry.shape.every(natural) ||
      !natural(entry.offset) ||
      !natural(entry.length)
    )
      fail(`variable entry ${i} of the header is malformed (${JSON.stringify(e)?.slice(0, 120)})`);
  });
  const seen = new Set<string>();
  for (const e of header.variables) {
    const key = `${e.group}/${e.name}`;
    if (seen.has(key)) fail(`the header lists ${e.group} variable ${e.name} twice`);
    seen.add(key);
  }
  // checkpoints written before ids became kebab-case name e.g. abn_resnet20
  if ((deprecatedIds[header.model] ?? header.model) !== model.info.name) fail(`holds a ${header.model}, not a ${model.info.name}`);
  const body = bytes.subarray(newline + 1);
  const floatCount = header.variables.reduce((n, e) => n + e.length, 0);
  const expectedBytes = header.bytes ?? floatCount * 4;
  if (body.length !== expectedBytes || expectedBytes !== floatCount * 4)
    fail(`data is ${body.length} bytes, the header describes ${floatCount * 4} (truncated or padded file)`);
  if (header.format === 'ktg-checkpoint-3') {
    const { sha256, ...hashed } = header;
    if (
      typeof sha256 !== 'string' ||
      createHash('sha256')
        .update(`${JSON.stringify(hashed)}\n`)
        .update(body)
        .digest('hex') !== sha256
    )
      fail('header and data do not match their SHA-256 (corrupted or edited file)');
  } else if (header.sha256 != null && createHash('sha256').update(body).digest('hex') !== header.sha256)
    fail('data does not match its SHA-256 (corrupted file)');
  const expected = model.params.trainable.size + model.params.state.size;
  if (header.variables.length !== expected) fail(`has ${header.variables.length} variables, the model ${expected}`);
  for (const entry of header.variables) {
    const v = model.params[entry.group]?.get(entry.name);
    if (!v) fail(`the model has no variable ${entry.name}`);
    if (v!.shape.join('x') !== entry.shape.join('x')) fail(`${entry.name} has shape ${entry.shape} in the file, ${v!.shape} in the model`);
    if (!(entry.offset >= 0 && entry.length === v!.size && entry.offset + entry.length <= floatCount)) fail(`${entry.name} lies outside the data`);
  }
  const floats = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  for (const entry of header.variables) {
    const v = model.params[entry.group].get(entry.name)!;
    tf.tidy(() => v.assign(tf.tensor(floats.subarray(entry.offset, entry.offset + entry.length), entry.shape, 'float32')));
  }
  return header.meta;
}
