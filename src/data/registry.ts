/**
 * Dataset registry: name → official files (URL + checksum + size) and a loader. Files are cached
 * under KTG_DATA_DIR (default: <package>/data/cache); decoded tensors are cached next to them as raw
 * .u8/.i32 files so that decoding 60,000 JPEGs happens once. KTG_DATA_MIRROR replaces the base
 * URL of every file (a local mirror, or a loopback server in tests).
 *
 * A dataset may name alternatives: `cifar10` is the official lossless binary, and its alternative
 * `cifar10-jpeg` (a JPEG re-encoding that has no public URL) is used when it is the one in the cache
 * (offline CI seeds it), or when the official download fails and a mirror has it. Which one was used
 * is printed once and returned as `source`, so that results can say what they were measured on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readTarEntries } from './tar_archive';
import { ImageDataset, validateDataset } from './dataset';
import { Checksum, download, fileChecksum } from './download';
import { parseIdx } from './idx';
import { parseCifarBinary } from './cifar_binary';
import { loadImageFolder } from './image_folder';
import { InputError } from '../input_error';

export interface RemoteFile {
  /** file name in the cache (and under a mirror) */
  name: string;
  /** official URL; undefined when the file is only available from a mirror or placed by hand */
  url?: string;
  checksum: Checksum;
  /** size in bytes (shown before downloading) */
  bytes: number;
}

export interface DatasetEntry {
  name: string;
  /** how results name the data, e.g. "CIFAR-10 (JPEG)" */
  label: string;
  description: string;
  /** datasets that stand in for this one when it is not cached and cannot be downloaded */
  alternatives?: string[];
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
    label: 'Fashion-MNIST',
    description: 'Fashion-MNIST, 60k train + 10k test, 28×28 grey, 10 classes (IDX)',
    shape: [28, 28, 1],
    classes: FASHION_CLASSES,
    files: [
      { name: 'fashion-mnist/train-images-idx3-ubyte.gz', url: `${FASHION_URL}train-images-idx3-ubyte.gz`, checksum: { algorithm: 'sha256', hex: 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7' }, bytes: 26421856 },
      { name: 'fashion-mnist/train-labels-idx1-ubyte.gz', url: `${FASHION_URL}train-labels-idx1-ubyte.gz`, checksum: { algorithm: 'sha256', hex: '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056' }, bytes: 29491 },
      { name: 'fashion-mnist/t10k-images-idx3-ubyte.gz', url: `${FASHION_URL}t10k-images-idx3-ubyte.gz`, checksum: { algorithm: 'sha256', hex: 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa' }, bytes: 4422079 },
      { name: 'fashion-mnist/t10k-labels-idx1-ubyte.gz', url: `${FASHION_URL}t10k-labels-idx1-ubyte.gz`, checksum: { algorithm: 'sha256', hex: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05' }, bytes: 5125 },
    ],
    load: (files) => idxDataset('fashion-mnist', FASHION_CLASSES, files),
  },
  'cifar10-jpeg': {
    name: 'cifar10-jpeg',
    label: 'CIFAR-10 (JPEG)',
    description: 'CIFAR-10 re-encoded as JPEG, 50k train + 10k test, 32×32 RGB (image-folder tar.gz); no official URL: use a mirror or place the file in the cache',
    shape: [32, 32, 3],
    classes: CIFAR10_CLASSES,
    files: [{ name: 'cifar10-jpeg.tar.gz', checksum: { algorithm: 'sha256', hex: 'b8c3dbec5494b2928a4bf53b57a10c5f887f6ede50a1496a1df06bb9a2fb4c63' }, bytes: 19432167 }],
    load: async ([file]) => {
      const { train, test } = await loadImageFolder(file, ['train', 'test'], { shape: [32, 32, 3], name: 'cifar10-jpeg', classes: CIFAR10_CLASSES });
      return { train, test };
    },
  },
  cifar10: {
    name: 'cifar10',
    label: 'CIFAR-10',
    description: 'CIFAR-10 binary version (official, lossless); the JPEG re-encoding stands in when only it is available',
    alternatives: ['cifar10-jpeg'],
    shape: [32, 32, 3],
    classes: CIFAR10_CLASSES,
    files: [{ name: 'cifar-10-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', checksum: { algorithm: 'md5', hex: 'c32a1d4ab5d03f1284b67883e8d87530' }, bytes: 170052171 }],
    load: ([file]) => cifarBinary('cifar10', file, 1, [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), 'test_batch.bin', CIFAR10_CLASSES),
  },
  cifar100: {
    name: 'cifar100',
    label: 'CIFAR-100',
    description: 'CIFAR-100 binary version (official, lossless), fine labels',
    shape: [32, 32, 3],
    classes: Array.from({ length: 100 }, (_, i) => `class${i}`),
    files: [{ name: 'cifar-100-binary.tar.gz', url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz', checksum: { algorithm: 'md5', hex: '03b5dce01913d631647c71ecec9e9cb8' }, bytes: 168513733 }],
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

function entryOf(name: string): DatasetEntry {
  const entry = datasets[name];
  if (!entry) throw new InputError(`unknown dataset "${name}"; known: ${Object.keys(datasets).join(', ')}`);
  return entry;
}

/** Ensures every file of a dataset is in the cache (downloading and verifying as needed). */
export async function fetchDataset(name: string, options: { progress?: boolean } = {}): Promise<string[]> {
  const entry = entryOf(name);
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

function isDecoded(name: string): boolean {
  return (['train', 'test'] as const).map((s) => decodedCache(name, s)).every((c) => fs.existsSync(c.images) && fs.existsSync(c.labels));
}

/** True when this very dataset (not an alternative) loads without a download. */
function isCached(name: string): boolean {
  return isDecoded(name) || entryOf(name).files.every((f) => fs.existsSync(path.join(dataDir(), f.name)));
}

/** Where a dataset will come from: the cache, or a download of `bytes` bytes from `urls`. */
export interface DatasetPlan {
  /** the dataset that will be used (the one asked for, or an alternative already cached) */
  name: string;
  label: string;
  cached: boolean;
  /** files still to download, with the URL each comes from */
  downloads: Array<{ name: string; url: string; bytes: number }>;
  /** why an alternative is used (undefined when the dataset asked for is used) */
  note?: string;
}

/**
 * What loading `name` will do, without doing it: use the cache (the dataset asked for, else an
 * alternative), or download the dataset asked for. Printed by `npm run data` before downloading.
 */
export function planDataset(name: string): DatasetPlan {
  const entry = entryOf(name);
  const cachedAlternative = isCached(name) ? undefined : (entry.alternatives ?? []).find(isCached);
  const chosen = cachedAlternative != null ? entryOf(cachedAlternative) : entry;
  const cached = isCached(chosen.name);
  const missing = cached ? [] : chosen.files.filter((f) => !(fs.existsSync(path.join(dataDir(), f.name)) && fileChecksum(path.join(dataDir(), f.name), f.checksum.algorithm) === f.checksum.hex));
  const downloads = missing.map((f) => {
    let url: string;
    try {
      url = fileUrl(f);
    } catch {
      url = '(no public URL: mirror or cache only)';
    }
    return { name: f.name, url, bytes: f.bytes };
  });
  const note = cachedAlternative != null ? `${entry.label} (${entry.name}) is not in the cache; using ${chosen.label} (${chosen.name}) found there` : undefined;
  return { name: chosen.name, label: chosen.label, cached, downloads, note };
}

/** Which data a loaded dataset really is. */
export interface DatasetSource {
  /** registry name of the data used, e.g. "cifar10-jpeg" */
  name: string;
  /** e.g. "CIFAR-10 (JPEG)": what results should say they were measured on */
  label: string;
  /** the name that was asked for */
  requested: string;
  /** true when an alternative stood in for the requested dataset */
  substituted: boolean;
}

const announced = new Set<string>();

function announce(key: string, message: string): void {
  if (announced.has(key)) return;
  announced.add(key);
  console.log(`[data] ${message}`);
}

async function loadExact(entry: DatasetEntry, options: { progress?: boolean }): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const name = entry.name;
  const splits = ['train', 'test'] as const;
  const cached = splits.map((s) => decodedCache(name, s));
  if (isDecoded(name)) {
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
  const files = await fetchDataset(name, options);
  const t0 = Date.now();
  console.log(`[data] decoding ${entry.label} into the cache (once; later loads read the decoded copy)…`);
  const loaded = await entry.load(files);
  console.log(`[data] ${entry.label}: ${loaded.train.labels.length + loaded.test.labels.length} images decoded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  splits.forEach((s, i) => {
    writeAtomic(cached[i].images, loaded[s].images);
    writeAtomic(cached[i].labels, new Uint8Array(loaded[s].labels.buffer, loaded[s].labels.byteOffset, loaded[s].labels.byteLength));
  });
  return loaded;
}

/**
 * Loads a registered dataset (train and test splits), downloading and decoding on first use.
 * Order: the dataset asked for if cached; else an alternative that is cached; else a download of
 * the dataset asked for; if that fails, a download of each alternative (from a mirror). `source`
 * says which data came back; a substitution is printed once per process.
 */
export async function loadDataset(name: string, options: { progress?: boolean } = {}): Promise<{ train: ImageDataset; test: ImageDataset; source: DatasetSource }> {
  const entry = entryOf(name);
  const sourceOf = (used: DatasetEntry): DatasetSource => ({ name: used.name, label: used.label, requested: name, substituted: used.name !== name });
  const plan = planDataset(name);
  if (plan.note != null) announce(`${name}->${plan.name}`, plan.note);
  if (plan.name !== name || plan.cached) {
    const used = entryOf(plan.name);
    return { ...(await loadExact(used, options)), source: sourceOf(used) };
  }
  const failures: string[] = [];
  for (const candidate of [name, ...(entry.alternatives ?? [])]) {
    const used = entryOf(candidate);
    try {
      const loaded = await loadExact(used, options);
      if (candidate !== name) announce(`${name}->${candidate}`, `${entry.label} could not be downloaded (${failures.join('; ')}); using ${used.label} (${used.name}) instead`);
      return { ...loaded, source: sourceOf(used) };
    } catch (err) {
      failures.push(`${candidate}: ${(err as Error).message}`);
    }
  }
  throw new InputError(`dataset ${name} could not be loaded. Tried:\n${failures.map((f) => `  - ${f}`).join('\n')}\n${howToProvide(name)}`);
}

/**
 * Every way to make a dataset loadable here, for error messages: each file (of the dataset or of an
 * alternative) with where it comes from and where it goes, the mirror layout, and the cache folder.
 */
export function howToProvide(name: string): string {
  const entry = entryOf(name);
  const dir = dataDir();
  const lines = ['Provide it in one of these ways:'];
  for (const candidate of [name, ...(entry.alternatives ?? [])]) {
    const e = entryOf(candidate);
    const files = e.files.map((f) => `${path.join(dir, f.name)} (${f.checksum.algorithm} ${f.checksum.hex}${f.url ? `; official: ${f.url}` : ''})`);
    lines.push(`  - ${e.label} (${e.name}): put ${files.length === 1 ? 'the file' : 'these files'} at ${files.join(', ')}`);
  }
  const names = [name, ...(entry.alternatives ?? [])].flatMap((n) => entryOf(n).files.map((f) => f.name));
  lines.push(`  - or set KTG_DATA_MIRROR to a URL or folder holding the same names: ${names.map((n) => `MIRROR/${n}`).join(', ')}`);
  lines.push(`  - or set KTG_DATA_DIR to a cache folder that already holds them (now: ${dir})`);
  return lines.join('\n');
}
