/** A Redis password never reaches output, errors, hints or a worker's command line (#32). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellArg } from '../../src/cli/format';
import { openStorage, redactStorageUrl } from '../../src/search/storage/open';

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
