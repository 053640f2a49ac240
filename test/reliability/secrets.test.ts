/** A Redis password never reaches output, errors, hints or a worker's command line (#32). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellArg } from '../../src/cli/format';
import { openStorage, redactStorageUrl } from '../../src/search/storage/open';
import { parseStudyConfig } from '../../src/search/study_config';
import { startRedis } from '../search/helpers';

test('storage URLs are shown with their password as ***', () => {
  assert.equal(redactStorageUrl('redis://:s3cret@db.example:6379/2'), 'redis://:***@db.example:6379/2');
  assert.equal(redactStorageUrl('rediss://ktg:s3cret@db.example:6380'), 'rediss://ktg:***@db.example:6380');
  assert.equal(redactStorageUrl('redis://db.example:6379'), 'redis://db.example:6379');
  assert.equal(redactStorageUrl('sqlite:studies/ktg.db'), 'sqlite:studies/ktg.db');
});

test('an unreachable password-protected Redis: the storage names it without the password', async () => {
  // port 1 on loopback: nothing listens there, so the first command fails after the connect retries
  const storage = openStorage('redis://:s3cret@127.0.0.1:1/0');
  assert.equal(storage.url, 'redis://:***@127.0.0.1:1/0');
  await assert.rejects(
    () => storage.getStudy('x'),
    (err: Error) => err.message.includes('redis://:***@127.0.0.1:1/0') && !err.message.includes('s3cret'),
  );
  await storage.close();
});

test('printed commands quote what a shell would split or expand', () => {
  assert.equal(shellArg('tiny'), 'tiny');
  assert.equal(shellArg('sqlite:studies/ktg.db'), 'sqlite:studies/ktg.db');
  assert.equal(shellArg('my study'), "'my study'");
  assert.equal(shellArg("it's $HOME"), `'it'\\''s $HOME'`);
});

test('a password-protected Redis: the storage works, and neither its URL nor a wrong password shows the secret', async () => {
  const server = await startRedis({ password: 's3cret-pw' });
  const storage = openStorage(server.url);
  const wrong = openStorage(server.url.replace('s3cret-pw', 'not-it'));
  try {
    assert.equal(storage.url, server.url.replace('s3cret-pw', '***'));
    const config = parseStudyConfig({
      space: { nodes: [{ role: 'target', models: ['cnn4'] }], gates: ['through'] },
      dataset: 'fashion-mnist',
      trials: 1,
      validationSize: 10,
      epochs: 1,
      batchSize: 8,
    });
    assert.equal((await storage.createStudy('s', config)).created, true);
    await assert.rejects(
      () => wrong.getStudy('s'),
      (err: Error) => !err.message.includes('not-it') && !err.message.includes('s3cret') && err.message.includes(':***@'),
    );
  } finally {
    await storage.close();
    await wrong.close();
    await server.stop();
  }
});
