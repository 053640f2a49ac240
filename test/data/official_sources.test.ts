/**
 * The data path of a newcomer: an empty cache, no ../shared, and a loopback HTTP server standing in
 * for the official hosts (same file names and checksums). Fashion-MNIST is served with its official
 * bytes; ../shared has no CIFAR-10 binary, so its format loader is tested on a small archive written
 * in the official layout, and the registry's fallback to the JPEG re-encoding is tested end to end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as zlib from 'zlib';
import { AddressInfo } from 'net';
import * as tar from 'tar-stream';
import { datasets, download, fileChecksum, loadDataset, planDataset } from '../../src/data';
import { temporaryDir } from '../../src/data/temporary';

const shared = path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
let server: http.Server;
let base: string;
let host: string;
const requests: string[] = [];

/** a folder laid out like the official hosts, served by a loopback server */
before(async () => {
  host = temporaryDir('official');
  fs.mkdirSync(path.join(host, 'fashion-mnist'));
  for (const f of fs.readdirSync(path.join(shared, 'fashion-mnist'))) fs.copyFileSync(path.join(shared, 'fashion-mnist', f), path.join(host, 'fashion-mnist', f));
  fs.copyFileSync(path.join(shared, 'cifar10-jpeg.tar.gz'), path.join(host, 'cifar10-jpeg.tar.gz'));
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    requests.push(url);
    const file = path.join(host, url);
    if (!file.startsWith(host) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      return res.end();
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  fs.rmSync(host, { recursive: true, force: true });
});

/** runs fn with an empty cache of its own and the given mirror (or none) */
async function withCache<T>(mirror: string | undefined, fn: (cache: string) => Promise<T>): Promise<T> {
  const cache = temporaryDir('cache');
  const saved = { dir: process.env.KTG_DATA_DIR, mirror: process.env.KTG_DATA_MIRROR };
  process.env.KTG_DATA_DIR = cache;
  if (mirror) process.env.KTG_DATA_MIRROR = mirror;
  else delete process.env.KTG_DATA_MIRROR;
  try {
    return await fn(cache);
  } finally {
    for (const [key, value] of [['KTG_DATA_DIR', saved.dir], ['KTG_DATA_MIRROR', saved.mirror]] as const) {
      if (value == null) delete process.env[key];
      else process.env[key] = value;
    }
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/** a CIFAR-10 binary archive in the official layout with `perFile` records in each of the 6 batches */
async function cifarBinaryArchive(file: string, perFile: number): Promise<{ labels: number[]; firstPixel: number[] }> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.pipe(zlib.createGzip()).on('data', (c: Buffer) => chunks.push(c)).on('end', resolve).on('error', reject);
  });
  const labels: number[] = [];
  const firstPixel: number[] = [];
  const names = [...[1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), 'test_batch.bin'];
  names.forEach((name, b) => {
    const body = Buffer.alloc(perFile * 3073);
    for (let r = 0; r < perFile; r++) {
      const label = (b * perFile + r) % 10;
      body[r * 3073] = label;
      // planes R, G, B of 1024 bytes each; pixel 0 of each plane carries a recognisable value
      body[r * 3073 + 1] = 10 + r;
      body[r * 3073 + 1 + 1024] = 100 + r;
      body[r * 3073 + 1 + 2048] = 200 + b;
      labels.push(label);
      firstPixel.push(10 + r, 100 + r, 200 + b);
    }
    pack.entry({ name: `cifar-10-batches-bin/${name}` }, body);
  });
  pack.entry({ name: 'cifar-10-batches-bin/batches.meta.txt' }, Buffer.from(['airplane', 'automobile'].join('\n')));
  pack.finalize();
  await done;
  fs.writeFileSync(file, Buffer.concat(chunks));
  return { labels, firstPixel };
}

test('with an empty cache the plan names the official files, sizes and URLs', async () => {
  await withCache(undefined, async () => {
    const cifar = planDataset('cifar10');
    assert.equal(cifar.name, 'cifar10');
    assert.equal(cifar.cached, false);
    assert.deepEqual(cifar.downloads, [{ name: 'cifar-10-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', bytes: 170052171 }]);
    assert.deepEqual(datasets.cifar10.files[0].checksum, { algorithm: 'md5', hex: 'c32a1d4ab5d03f1284b67883e8d87530' });
    const fashion = planDataset('fashion-mnist');
    assert.equal(fashion.downloads.length, 4);
    assert.ok(fashion.downloads.every((d) => d.url.startsWith('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/')));
    // the sizes shown before downloading are those of the official files
    for (const d of fashion.downloads) assert.equal(d.bytes, fs.statSync(path.join(shared, d.name)).size, d.name);
  });
});

test('Fashion-MNIST: download from the loopback host, official checksums, decode, then no network', async () => {
  await withCache(base, async (cache) => {
    requests.length = 0;
    const { train, test: testSet, source } = await loadDataset('fashion-mnist');
    assert.deepEqual(requests.sort(), datasets['fashion-mnist'].files.map((f) => `/${f.name}`).sort());
    for (const f of datasets['fashion-mnist'].files) assert.equal(fileChecksum(path.join(cache, f.name), 'sha256'), f.checksum.hex);
    assert.equal(train.labels.length, 60000);
    assert.equal(testSet.labels.length, 10000);
    assert.deepEqual([...testSet.labels.subarray(0, 2)], [9, 2]);
    assert.deepEqual(source, { name: 'fashion-mnist', label: 'Fashion-MNIST', requested: 'fashion-mnist', substituted: false });
    delete process.env.KTG_DATA_MIRROR;
    requests.length = 0;
    await loadDataset('fashion-mnist');
    assert.equal(requests.length, 0);
  });
});

test('CIFAR-10 binary: an archive in the official layout downloads, verifies and decodes to NHWC', async () => {
  const archive = path.join(host, 'small-cifar-10-binary.tar.gz');
  const expected = await cifarBinaryArchive(archive, 3);
  await withCache(base, async (cache) => {
    const checksum = { algorithm: 'md5' as const, hex: fileChecksum(archive, 'md5') };
    const file = await download(`${base}/small-cifar-10-binary.tar.gz`, path.join(cache, 'cifar-10-binary.tar.gz'), { checksum, progress: false });
    await assert.rejects(download(`${base}/small-cifar-10-binary.tar.gz`, path.join(cache, 'other.tar.gz'), { checksum: { algorithm: 'md5', hex: '0'.repeat(32) }, progress: false }), /checksum mismatch/);
    const { train, test: testSet } = await datasets.cifar10.load([file]);
    assert.equal(train.labels.length, 15);
    assert.equal(testSet.labels.length, 3);
    assert.deepEqual([...train.labels, ...testSet.labels], expected.labels);
    assert.deepEqual(train.shape, [32, 32, 3]);
    // pixel (0, 0) of every image is [R, G, B] from the three planes
    const all = [...Array(15).keys()].map((i) => [...train.images.subarray(i * 3072, i * 3072 + 3)]).concat([...Array(3).keys()].map((i) => [...testSet.images.subarray(i * 3072, i * 3072 + 3)]));
    assert.deepEqual(all.flat(), expected.firstPixel);
  });
});

test('CIFAR-10: when the official binary cannot be downloaded, the JPEG re-encoding from the mirror stands in and says so', async () => {
  await withCache(base, async () => {
    requests.length = 0;
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => lines.push(args.join(' '));
    let loaded;
    try {
      loaded = await loadDataset('cifar10');
    } finally {
      console.log = log;
    }
    assert.deepEqual(requests, ['/cifar-10-binary.tar.gz', '/cifar10-jpeg.tar.gz']);
    assert.deepEqual(loaded.source, { name: 'cifar10-jpeg', label: 'CIFAR-10 (JPEG)', requested: 'cifar10', substituted: true });
    assert.equal(loaded.train.labels.length, 50000);
    assert.equal(loaded.test.labels.length, 10000);
    assert.ok(lines.some((l) => /CIFAR-10 could not be downloaded .*HTTP 404.*using CIFAR-10 \(JPEG\)/.test(l)), lines.join('\n'));
    // now cached: the plan and a second load use the JPEG copy without the network
    delete process.env.KTG_DATA_MIRROR;
    const plan = planDataset('cifar10');
    assert.equal(plan.name, 'cifar10-jpeg');
    assert.equal(plan.downloads.length, 0);
    assert.match(plan.note ?? '', /CIFAR-10 \(cifar10\) is not in the cache; using CIFAR-10 \(JPEG\)/);
    requests.length = 0;
    assert.equal((await loadDataset('cifar10')).source.label, 'CIFAR-10 (JPEG)');
    assert.equal(requests.length, 0);
  });
});

test('a dataset that no source can provide fails naming every source tried', async () => {
  await withCache(`${base}/nowhere`, async () => {
    await assert.rejects(loadDataset('cifar10'), (err: Error) => {
      // what was tried, then every way to provide the data: the official file, the JPEG copy, a mirror's layout, a cache folder
      assert.match(err.message, /dataset cifar10 could not be loaded\. Tried:\n  - cifar10: .*HTTP 404.*\n  - cifar10-jpeg: .*HTTP 404/);
      assert.match(err.message, /CIFAR-10 \(cifar10\): put the file at \S*cifar-10-binary\.tar\.gz \(md5 c32a1d4ab5d03f1284b67883e8d87530; official: https:\/\/www\.cs\.toronto\.edu/);
      assert.match(err.message, /CIFAR-10 \(JPEG\) \(cifar10-jpeg\): put the file at \S*cifar10-jpeg\.tar\.gz/);
      assert.match(err.message, /KTG_DATA_MIRROR .*MIRROR\/cifar-10-binary\.tar\.gz, MIRROR\/cifar10-jpeg\.tar\.gz/);
      assert.match(err.message, /KTG_DATA_DIR/);
      return true;
    });
  });
});
