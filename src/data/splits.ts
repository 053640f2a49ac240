/**
 * Deterministic splits: train/validation (e.g. 40k/10k of CIFAR's 50k for graph search, so the
 * search never sees the test set) and labelled/unlabelled (class-balanced labelled subset for
 * semi-supervised learning).
 */
import { ImageDataset, subset } from './dataset';
import { Rng } from './random';

export function trainValidationSplit(ds: ImageDataset, validationSize: number, seed = 0): { train: ImageDataset; validation: ImageDataset } {
  const n = ds.labels.length;
  if (validationSize <= 0 || validationSize >= n) throw new Error(`validation size must be in 1..${n - 1}, got ${validationSize}`);
  const perm = new Rng(seed).permutation(n);
  return {
    train: subset(ds, perm.subarray(validationSize), `${ds.name}/train`),
    validation: subset(ds, perm.subarray(0, validationSize), `${ds.name}/validation`),
  };
}

/** `labelled` samples with an equal number per class; the rest is the unlabelled pool. */
export function labelledSplit(ds: ImageDataset, labelled: number, seed = 0): { labelled: ImageDataset; unlabelled: ImageDataset } {
  const k = ds.classes.length;
  if (labelled % k !== 0) throw new Error(`labelled size ${labelled} must be a multiple of the ${k} classes`);
  const perClass = labelled / k;
  const taken = new Array<number>(k).fill(0);
  const chosen: number[] = [];
  const rest: number[] = [];
  for (const i of new Rng(seed).permutation(ds.labels.length)) {
    const c = ds.labels[i];
    if (taken[c] < perClass) {
      taken[c]++;
      chosen.push(i);
    } else rest.push(i);
  }
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) throw new Error(`class ${ds.classes[short]} has only ${taken[short]} samples, ${perClass} requested`);
  return { labelled: subset(ds, chosen, `${ds.name}/labelled`), unlabelled: subset(ds, rest, `${ds.name}/unlabelled`) };
}

/**
 * `n` samples drawn without replacement, class-balanced (stratified: ⌊n/k⌋ per class, the
 * remainder going to randomly drawn classes), in a seeded random order. Unlike taking the first `n`
 * (`subset` keeps the order it is given), this is a fair sample whatever the dataset's order — image
 * folders, for one, come sorted by class.
 */
export function stratifiedSubset(ds: ImageDataset, n: number, seed = 0, name = `${ds.name}/sample${n}`): ImageDataset {
  const total = ds.labels.length;
  if (!(Number.isInteger(n) && n >= 1 && n <= total)) throw new Error(`sample size must be an integer in 1..${total}, got ${n}`);
  if (n === total) return subset(ds, new Rng(seed).permutation(total), name);
  const rng = new Rng(seed);
  const byClass = new Map<number, number[]>();
  for (const i of rng.permutation(total)) {
    const c = ds.labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quota = new Map(classes.map((c) => [c, Math.floor(n / classes.length)]));
  // the remainder, and any shortfall of small classes, goes to classes drawn at random
  let missing = n - [...quota.values()].reduce((s, q) => s + q, 0);
  for (const c of classes) {
    const short = quota.get(c)! - byClass.get(c)!.length;
    if (short > 0) {
      quota.set(c, byClass.get(c)!.length);
      missing += short;
    }
  }
  while (missing > 0) {
    const open = classes.filter((c) => quota.get(c)! < byClass.get(c)!.length);
    const c = open[Math.floor(rng.next() * open.length)];
    quota.set(c, quota.get(c)! + 1);
    missing--;
  }
  const chosen = classes.flatMap((c) => byClass.get(c)!.slice(0, quota.get(c)!));
  const order = rng.permutation(chosen.length);
  return subset(ds, Array.from(order, (k) => chosen[k]), name);
}

/**
 * `n` images drawn at random without replacement (seeded), in random order; `n` ≤ 0 or ≥ the size
 * returns `ds` itself. The notebooks' training and test subsets (class counts follow the data; use
 * `stratifiedSubset` for exactly balanced classes).
 */
export function randomSubset(ds: ImageDataset, n: number, seed: number, name = ds.name): ImageDataset {
  if (!Number.isInteger(n)) throw new Error(`subset size must be an integer, got ${n}`);
  if (n <= 0 || n >= ds.labels.length) return ds;
  return subset(ds, new Rng(seed).permutation(ds.labels.length).subarray(0, n), name);
}
