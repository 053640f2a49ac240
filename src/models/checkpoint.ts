/**
 * Checkpoints: a model's variables (trainable weights and batch-norm statistics) in one file — a
 * JSON header line naming each variable, its shape and its byte offset, then the float32 data.
 * Loading checks the model name and every shape, so a checkpoint never lands in the wrong model.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { Classifier } from './model';

interface Header {
  format: 'ktg-checkpoint-1';
  model: string;
  variables: { group: 'trainable' | 'state'; name: string; shape: number[]; offset: number; length: number }[];
  meta?: Record<string, unknown>;
}

/** Writes the model's variables to `file` atomically (a .part file, then a rename). */
export function saveCheckpoint(model: Classifier, file: string, meta?: Record<string, unknown>): void {
  const header: Header = { format: 'ktg-checkpoint-1', model: model.info.name, variables: [], meta };
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
  const head = Buffer.from(`${JSON.stringify(header)}\n`);
  const body = Buffer.alloc(offset * 4);
  let at = 0;
  for (const c of chunks) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(body, at);
    at += c.byteLength;
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  fs.writeFileSync(tmp, Buffer.concat([head, body]));
  fs.renameSync(tmp, file);
}

/** Loads `file` into an already built model (see `build`); returns the checkpoint's meta. */
export function loadCheckpoint(model: Classifier, file: string): Record<string, unknown> | undefined {
  const bytes = fs.readFileSync(file);
  const newline = bytes.indexOf(10);
  if (newline < 0) throw new Error(`${file} is not a ktg checkpoint`);
  const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Header;
  if (header.format !== 'ktg-checkpoint-1') throw new Error(`${file} is not a ktg checkpoint`);
  if (header.model !== model.info.name) throw new Error(`${file} holds a ${header.model}, not a ${model.info.name}`);
  const body = bytes.subarray(newline + 1);
  const floats = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const expected = model.params.trainable.size + model.params.state.size;
  if (header.variables.length !== expected) throw new Error(`${file} has ${header.variables.length} variables, the model ${expected}`);
  for (const entry of header.variables) {
    const v = model.params[entry.group].get(entry.name);
    if (!v) throw new Error(`${file}: the model has no variable ${entry.name}`);
    if (v.shape.join('x') !== entry.shape.join('x')) throw new Error(`${file}: ${entry.name} has shape ${entry.shape} in the file, ${v.shape} in the model`);
    tf.tidy(() => v.assign(tf.tensor(floats.subarray(entry.offset, entry.offset + entry.length), entry.shape, 'float32')));
  }
  return header.meta;
}
