import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { download, fetchDataset, loadDataset, trainValidationSplit, labelledSplit, Rng, augment, loadImageFolder, ImageDataset } from '../../src/data';
import { temporaryDir } from '../../src/data/temporary';

const shared = path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
let server: http.Server;
let base: string;
let cache: string;

before(async () => {
  // a loopback mirror of ../shared/data; /broken/* serves truncated bodies
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    if (url.startsWith('/redirect/')) {
      res.writeHead(302, { location: url.replace('/redirect/', '/') });
      return res.end();
    }
    const broken = url.startsWith('/broken/');
    const file = path.join(shared, url.replace('/broken/', '/'));
    if (!file.startsWith(shared) || !fs.existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length });
    if (broken) {
      res.write(body.subarray(0, 1000));
      return res.destroy();
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cache = temporaryDir('data');
});

after(() => {
  server.close();
  fs.rmSync(cache, { recursive: true, force: true });
});

const labelsSha = '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05';

test('downloader verifies the checksum, follows redirects and writes atomically', async () => {
  const dest = path.join(cache, 'dl', 't10k-labels.gz');
  await download(`${base}/redirect/fashion-mnist/t10k-labels-idx1-ubyte.gz`, dest, { checksum: { algorithm: 'sha256', hex: labelsSha }, progress: false });
  assert.equal(fs.statSync(dest).size, fs.statSync(path.join(shared, 'fashion-mnist/t10k-labels-idx1-ubyte.gz')).size);

  const bad = path.join(cache, 'dl', 'bad.gz');
  await assert.rejects(download(`${base}/fashion-mnist/t10k-labels-idx1-ubyte.gz`, bad, { checksum: { algorithm: 'sha256', hex: '0'.repeat(64) }, progress: false }), /checksum mismatch/);
  const truncated = path.join(cache, 'dl', 'truncated.gz');
  await assert.rejects(download(`${base}/broken/fashion-mnist/t10k-labels-idx1-ubyte.gz`, truncated, { checksum: { algorithm: 'sha256', hex: labelsSha }, progress: false }));
  await assert.rejects(download(`${base}/missing.gz`, truncated, { checksum: { algorithm: 'sha256', hex: labelsSha }, progress: false }), /HTTP 404/);
  // nothing partial is left behind under any name
  assert.deepEqual(fs.readdirSync(path.join(cache, 'dl')), ['t10k-labels.gz']);
});

test('Fashion-MNIST through the registry from a mirror, then from the decoded cache', async () => {
  process.env.KTG_DATA_DIR = cache;
  process.env.KTG_DATA_MIRROR = base;
  try {
    const files = await fetchDataset('fashion-mnist');
    assert.equal(files.length, 4);
    const { train, test: testSet } = await loadDataset('fashion-mnist');
    assert.equal(train.labels.length, 60000);
    assert.equal(testSet.labels.length, 10000);
    assert.deepEqual(train.shape, [28, 28, 1]);
    // first test label of Fashion-MNIST is 9 (ankle boot), the second 2 (pullover)
    assert.deepEqual([...testSet.labels.subarray(0, 2)], [9, 2]);
    delete process.env.KTG_DATA_MIRROR; // the second load must not need the network
    const again = await loadDataset('fashion-mnist');
    assert.deepEqual(again.test.labels, testSet.labels);
    assert.deepEqual(again.test.images.subarray(0, 784), testSet.images.subarray(0, 784));
  } finally {
    delete process.env.KTG_DATA_DIR;
    delete process.env.KTG_DATA_MIRROR;
  }
});

test('unknown dataset names are rejected with the known list', async () => {
  await assert.rejects(loadDataset('imagenet'), /unknown dataset "imagenet"; known: .*fashion-mnist/);
});

test('image folders load from a directory with PNG and JPEG files', async () => {
  const root = path.join(cache, 'folder');
  const { PNG } = await import('pngjs');
  for (const [cls, value] of [['cats', 10], ['dogs', 200]] as const) {
    fs.mkdirSync(path.join(root, 'train', cls), { recursive: true });
    const png = new PNG({ width: 8, height: 8 });
    png.data.fill(value);
    for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
    fs.writeFileSync(path.join(root, 'train', cls, 'a.png'), PNG.sync.write(png));
  }
  const { train } = await loadImageFolder(root, ['train'], { shape: [4, 4, 3] });
  assert.deepEqual(train.classes, ['cats', 'dogs']);
  assert.deepEqual([...train.labels], [0, 1]);
  assert.equal(train.images[0], 10);
  assert.equal(train.images[48], 200);
  await assert.rejects(loadImageFolder(root, ['test'], { shape: [4, 4, 3] }), /no images under test/);
});

function toy(n: number, classes = 10): ImageDataset {
  return { name: 'toy', images: Uint8Array.from({ length: n * 4 }, (_, i) => i % 256), labels: Int32Array.from({ length: n }, (_, i) => i % classes), shape: [2, 2, 1], classes: Array.from({ length: classes }, (_, i) => `c${i}`) };
}

test('splits are deterministic, disjoint and class-balanced', () => {
  const ds = toy(500);
  const a = trainValidationSplit(ds, 100, 3);
  const b = trainValidationSplit(ds, 100, 3);
  assert.deepEqual(a.validation.labels, b.validation.labels);
  assert.equal(a.train.labels.length + a.validation.labels.length, 500);
  const l = labelledSplit(ds, 40, 1);
  const counts = new Array(10).fill(0);
  for (const y of l.labelled.labels) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(4));
  assert.equal(l.unlabelled.labels.length, 460);
  assert.throws(() => labelledSplit(ds, 45), /multiple of the 10 classes/);
});

test('augmentations are seeded and keep the image shape', () => {
  const shape: [number, number, number] = [32, 32, 3];
  const img = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7) % 256);
  const s1 = augment(img, shape, 'strong', new Rng(5));
  const s2 = augment(img, shape, 'strong', new Rng(5));
  assert.deepEqual(s1, s2);
  assert.equal(s1.length, img.length);
  assert.notDeepEqual(augment(img, shape, 'weak', new Rng(6)), augment(img, shape, 'weak', new Rng(7)));
  assert.equal(augment(img, shape, 'none', new Rng(1)), img);
});

test('randomSubset: seeded, without replacement, the whole set for n ≤ 0 or n ≥ size', async () => {
  const { randomSubset } = await import('../../src/data/splits');
  const ds = { name: 'd', images: Uint8Array.from({ length: 20 }, (_, i) => i), labels: Int32Array.from({ length: 20 }, (_, i) => i), shape: [1, 1, 1] as [number, number, number], classes: Array.from({ length: 20 }, (_, i) => `${i}`) };
  const a = randomSubset(ds, 8, 3, 'a');
  assert.equal(a.name, 'a');
  assert.equal(new Set(a.labels).size, 8);
  assert.deepEqual(Array.from(a.images), Array.from(a.labels), 'images follow their labels');
  assert.deepEqual(Array.from(randomSubset(ds, 8, 3).labels), Array.from(a.labels));
  assert.notDeepEqual(Array.from(randomSubset(ds, 8, 4).labels), Array.from(a.labels));
  assert.equal(randomSubset(ds, 0, 1), ds);
  assert.equal(randomSubset(ds, 20, 1), ds);
  assert.throws(() => randomSubset(ds, 2.5, 1), /integer/);
});
