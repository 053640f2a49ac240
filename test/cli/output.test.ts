/**
 * The CLI's output into a pipe arrives whole (#32): `ktg show` of a study with thousands of trials into
 * a reader that is slow to start got 128 KiB and exit 0 when the process exited right after writing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { cliEntry } from '../../src/search/local_pool';
import { openStorage } from '../../src/search/storage/open';
import { parseStudyConfig } from '../../src/search/study_config';
import { tempDir } from '../search/helpers';

const TRIALS = 6000;

test('ktg show into a slow reader: every row arrives, then exit 0', async () => {
  const file = path.join(tempDir('cli-output'), 'big.db');
  const storage = openStorage(`sqlite:${file}`);
  const worker = { id: 'w', host: 'test-host', pid: process.pid };
  try {
    await storage.createStudy(
      'big',
      parseStudyConfig({
        space: { nodes: [{ role: 'target', models: ['cnn4'] }, { models: ['cnn4'] }], gates: ['through'] },
        dataset: 'fashion-mnist',
        trials: TRIALS,
        validationSize: 100,
        epochs: 1,
        batchSize: 32,
      }),
    );
    for (let i = 0; i < TRIALS; i++) {
      const c = await storage.claimTrial('big', worker, 60_000);
      if (c.kind !== 'trial') throw new Error(`expected a trial, got ${c.kind}`);
      await storage.finishTrial('big', c.claim, worker, { status: 'completed', value: i / TRIALS });
    }
  } finally {
    await storage.close();
  }
  const entry = cliEntry();
  const command = [process.execPath, ...entry.execArgv, entry.file, 'show', '--storage', `sqlite:${file}`, '--study', 'big'].map((a) => `'${a}'`).join(' ');
  // a shell pipe into a reader that starts late: the pipe (64 KiB) fills, and the writer must wait for it before exiting
  const res = spawnSync('bash', ['-c', `set -o pipefail; ${command} | (sleep 1.5; cat)`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const text = res.stdout;
  const code = res.status;
  assert.equal(code, 0);
  const rows = text.split('\n').filter((l) => /^\d+\s+completed/.test(l));
  assert.ok(text.length > 128 * 1024, `${text.length} bytes: enough to overflow a pipe`);
  assert.equal(rows.length, TRIALS, `${rows.length} of ${TRIALS} rows arrived`);
  // a reader that stops early (head) ends the command quietly with its own code, not with an EPIPE stack
  const early = spawnSync('bash', ['-c', `set -o pipefail; ${command} | head -2`], { encoding: 'utf8' });
  assert.equal(early.status, 0, early.stderr);
  assert.doesNotMatch(early.stderr, /EPIPE/);
  assert.equal(early.stdout.split('\n').length, 3);
});
