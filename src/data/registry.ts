/**
 * Dataset registry: name → official files (URL + checksum) and a loader. Files are cached under
 * KTG_DATA_DIR (default: <package>/data/cache); decoded tensors are cached next to them as raw
 * .u8/.i32 files so that decoding 60,000 JPEGs happens once. KTG_DATA_MIRROR replaces the base
 * URL of every file (a local mirror, or a loopback server in tests).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readTarEntries } from './tar_archive';
import { ImageDataset, validateDataset } from './dataset';
import { Checksum, download, fileChecksum } from './download';
import { parseIdx } from './idx';
import { parseCifarBinary } from './cifar_binary';
import { loadImageFolder } from './image_folder';

export interface RemoteFile {
  /** file name in the cache (and under a mirror) */
  name: string;
  /** official URL; undefined when the file is only available from a mirror or placed by hand */
  url?: string;
  checksum: Checksum;
}

export interface DatasetEntry {
  name: string;
  description: string;
  shape: [number, number, number];
  classes: string[];
  files: RemoteFile[];
  load(files: string[]): Promise<{ train: ImageDataset; test: ImageDataset }>;
}

const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const FASHION_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

function idxDataset(name: string, classes: string[], files: string[]): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const [trainX, trainY, testX, testY] = files.map((f) => parseIdx(fs.readFileSync(f), f));
  const make = (x: typeof trainX, y: typeof trainY, split: string): ImageDataset => {
    const ds: ImageDataset = { name: `${name}/${split}`, images: x.data, labels: Int32Array.from(y.data), shape: [x.dims[1], x.dims[2], 1], classes };
    validateDataset(ds);
    return ds;
  };
  return Promise.resolve({ train: make(trainX, trainY, 'train'), test: make(testX, testY, 'test') });
}

async function cifarBinary(name: string, file: string, labelBytes: 1 | 2, trainFiles: string[], testFile: string, classes: string[]): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const members = new Map((await readTarEntries(file, (n) => n.endsWith('.bin'))).map((e) => [path.basename(e.name), e.bytes]));
  const pick = (names: string[]) => names.map((n) => {
    const b = members.get(n);
    if (!b) throw new Error(`${file}: member ${n} missing`);
    return b;
  });
  const train = parseCifarBinary(pick(trainFiles), labelBytes);
  const test = parseCifarBinary(pick([testFile]), labelBytes);
  return {
    train: { name: `${name}/train`, ...train, shape: [32, 32, 3], classes },
    test: { name: `${name}/test`, ...test, shape: [32, 32, 3], classes },
  };
}

export const datasets: Record<string, DatasetEntry> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST, 60k train + 10k test, 28×28 grey, 10 classes (IDX)',
    shape: [28, 28, 1],
    classes: FASHION_CLASSES,
    files: [
      { name: 'fashion-mnist/train-images-idx3-ubyte.gz', url: `${FASHION_URL}train-images-idx3-ubyte.gz`, checksum: { algorithm: 'sha256', hex: 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7' } },
      { name: 'fashion-mnist/train-labels-idx1-ubyte.gz', url: `${FASHION_URL}train-labels-idx1-ubyte.gz`, checksum: { algorithm: 'sha256', hex: '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056' } },
      { name: 'fashion-mnist/t10k-images-idx3-ubyte.gz', url: `${FASHION_URL}t10k-images-idx3-ubyte.gz`, checksum: { algorithm: 'sha256', hex: 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa' } },
      { name: 'fashion-mnist/t10k-labels-idx1-ubyte.gz', url: `${FASHION_URL}t10k-labels-idx1-ubyte.gz`, checksum: { algorithm: 'sha256', hex: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05' } },
    ],
    load: (files) => idxDataset('fashion-mnist', FASHION_CLASSES, files),
  },
  'cifar10-jpeg': {
    name: 'cifar10-jpeg',
    description: 'CIFAR-10 re-encoded as JPEG, 50k train + 10k test, 32×32 RGB (image-folder tar.gz); no official URL: use a mirror or place the file in the cache',
    shape: [32, 32, 3],
    classes: CIFAR10_CLASSES,
    files: [{ name: 'cifar10-jpeg.tar.gz', checksum: { algorithm: 'sha256', hex: 'b8c3dbec5494b2928a4bf53b57a10c5f887f6ede50a1496a1df06bb9a2fb4c63' } }],
    load: async ([file]) => {
      const { train, test } = await loadImageFolder(file, ['train', 'test'], { shape: [32, 32, 3], name: 'cifar10-jpeg', classes: CIFAR10_CLASSES });
      return { train, test };
    },
  },
  cifar10: {
    name: 'cifar10',
    description: 'CIFAR-10 binary version (official, lossless)',
    shape: [32, 32, 3],
    classes: CIFAR10_CLASSES,
    files: [{ name: 'cifar-10-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', checksum: { algorithm: 'md5', hex: 'c32a1d4ab5d03f1284b67883e8d87530' } }],
    load: ([file]) => cifarBinary('cifar10', file, 1, [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), 'test_batch.bin', CIFAR10_CLASSES),
  },
  cifar100: {
    name: 'cifar100',
    description: 'CIFAR-100 binary version (official, lossless), fine labels',
    shape: [32, 32, 3],
    classes: Array.from({ length: 100 }, (_, i) => `class${i}`),
    files: [{ name: 'cifar-100-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz', checksum: { algorithm: 'md5', hex: '03b5dce01913d631647c71ecec9e9cb8' } }],
    load: ([file]) => cifarBinary('cifar100', file, 2, ['train.bin'], 'test.bin', datasets.cifar100.classes),
  },
};

export function dataDir(): string {
  return path.resolve(process.env.KTG_DATA_DIR ?? path.join(__dirname, '..', '..', 'data', 'cache'));
}

function fileUrl(file: RemoteFile): string {
  const mirror = process.env.KTG_DATA_MIRROR;
  if (mirror) return `${mirror.replace(/\/$/, '')}/${file.name}`;
  if (!file.url) throw new Error(`${file.name} has no public URL: set KTG_DATA_MIRROR or put the file at ${path.join(dataDir(), file.name)}`);
  return file.url;
}

/** Ensures every file of a dataset is in the cache (downloading and verifying as needed). */
export async function fetchDataset(name: string, options: { progress?: boolean } = {}): Promise<string[]> {
  const entry = datasets[name];
  if (!entry) throw new Error(`unknown dataset "${name}"; known: ${Object.keys(datasets).join(', ')}`);
  const paths: string[] = [];
  for (const file of entry.files) {
    const dest = path.join(dataDir(), file.name);
    const present = fs.existsSync(dest) && fileChecksum(dest, file.checksum.algorithm) === file.checksum.hex;
    paths.push(present ? dest : await download(fileUrl(file), dest, { checksum: file.checksum, progress: options.progress }));
  }
  return paths;
}

function decodedCache(name: string, split: string): { images: string; labels: string } {
  const base = path.join(dataDir(), 'decoded', `${name}.${split}`);
  return { images: `${base}.u8`, labels: `${base}.i32` };
}

function writeAtomic(file: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** True when the dataset loads without a download (decoded cache or every file present locally). */
export function isDatasetAvailable(name: string): boolean {
  const entry = datasets[name];
  if (!entry) return false;
  const decoded = (['train', 'test'] as const).map((s) => decodedCache(name, s));
  if (decoded.every((c) => fs.existsSync(c.images) && fs.existsSync(c.labels))) return true;
  return entry.files.every((f) => fs.existsSync(path.join(dataDir(), f.name)));
}

/** Loads a registered dataset (train and test splits), downloading and decoding on first use. */
export async function loadDataset(name: string, options: { progress?: boolean } = {}): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const entry = datasets[name];
  if (!entry) throw new Error(`unknown dataset "${name}"; known: ${Object.keys(datasets).join(', ')}`);
  const splits = ['train', 'test'] as const;
  const cached = splits.map((s) => decodedCache(name, s));
  if (cached.every((c) => fs.existsSync(c.images) && fs.existsSync(c.labels))) {
    const [train, test] = splits.map((s, i) => {
      const labels = fs.readFileSync(cached[i].labels);
      const ds: ImageDataset = {
        name: `${name}/${s}`,
        images: new Uint8Array(fs.readFileSync(cached[i].images)),
        labels: new Int32Array(labels.buffer, labels.byteOffset, labels.length / 4).slice(),
        shape: entry.shape,
        classes: entry.classes,
      };
      validateDataset(ds);
      return ds;
    });
    return { train, test };
  }
  const loaded = await entry.load(await fetchDataset(name, options));
  splits.forEach((s, i) => {
    writeAtomic(cached[i].images, loaded[s].images);
    writeAtomic(cached[i].labels, new Uint8Array(loaded[s].labels.buffer, loaded[s].labels.byteOffset, loaded[s].labels.byteLength));
  });
  return loaded;
}
