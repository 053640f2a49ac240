/**
 * A JSON file updated by several processes at once loses nothing (scripts/locked_json.ts, used by
 * `npm run equivalence` when one process per core writes its own run into one results file).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readJsonFile, updateJsonFile } from '../../scripts/locked_json';

const root = path.resolve(__dirname, '..', '..');

type Store = Record<string, number[]>;

const orEmpty = (stored: Store | undefined): Store => stored ?? {};

/** runs `body` with a fresh folder and the path of a report file in it, then removes the folder */
async function inFolder(body: (file: string, dir: string) => void | Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktg-locked-json-'));
  try {
    await body(path.join(dir, 'report.json'), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** a process that appends 1..n to its own key, one locked update each, with a read-to-write gap that invites lost updates */
function writer(file: string, key: string, n: number): Promise<number | null> {
  const script = `
    const { updateJsonFile } = require('./scripts/locked_json');
    const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    for (let i = 1; i <= ${n}; i++)
      updateJsonFile(${JSON.stringify(file)}, (s) => s ?? {}, (s) => { pause(); (s[${JSON.stringify(key)}] ??= []).push(i); });
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) => resolve(code));
  });
}

test('three processes updating one file at once keep every one of their updates', () =>
  inFolder(async (file, dir) => {
    const n = 60;
    const codes = await Promise.all(['a', 'b', 'c'].map((key) => writer(file, key, n)));
    assert.deepEqual(codes, [0, 0, 0]);
    const stored = readJsonFile<Store>(file)!;
    const expected = Array.from({ length: n }, (_, i) => i + 1);
    for (const key of ['a', 'b', 'c']) assert.deepEqual(stored[key], expected, `key ${key} kept all ${n} updates in order`);
    assert.deepEqual(fs.readdirSync(dir), ['report.json'], 'no lock or partial file is left behind');
  }));

test('a lock left by a dead process is taken over once stale', () =>
  inFolder(async (file, dir) => {
    fs.writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(`${file}.lock`, old, old);
    const value = updateJsonFile<Store>(file, orEmpty, (s) => (s.x = [1]));
    assert.deepEqual(value, { x: [1] });
    assert.deepEqual(readJsonFile<Store>(file), { x: [1] });
    assert.ok(!fs.existsSync(`${file}.lock`), 'the lock is released');
  }));

test('an update that throws writes nothing and releases the lock', () =>
  inFolder(async (file, dir) => {
    updateJsonFile<Store>(file, orEmpty, (s) => (s.x = [1]));
    assert.throws(
      () =>
        updateJsonFile<Store>(file, orEmpty, (s) => {
          s.x.push(2);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.deepEqual(readJsonFile<Store>(file), { x: [1] });
    assert.ok(!fs.existsSync(`${file}.lock`));
  }));

test('a held lock is waited for until its holder releases it', () =>
  inFolder(async (file, dir) => {
    const lock = `${file}.lock`;
    const released = path.join(dir, 'released');
    fs.writeFileSync(lock, '');
    // the holder marks its release, then removes the lock, half a second from now
    const script = `setTimeout(() => { require('fs').writeFileSync(${JSON.stringify(released)}, ''); require('fs').rmSync(${JSON.stringify(lock)}); }, 500)`;
    const holder = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    await new Promise((resolve) => holder.on('spawn', resolve));
    updateJsonFile<Store>(file, orEmpty, (s) => (s.seenRelease = [Number(fs.existsSync(released))]));
    assert.deepEqual(readJsonFile<Store>(file), { seenRelease: [1] }, 'the update ran only after the holder released the lock');
    await new Promise((resolve) => holder.on('exit', resolve));
  }));
