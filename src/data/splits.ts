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
