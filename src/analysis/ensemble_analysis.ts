/**
 * Analysis of trained nodes (thesis §4.2): predictions of several models on one dataset, knowledge
 * difference MutualKL (Eq 4.2), ensemble gain ΔAccuracy (Eq 4.4), attention-map error between
 * nodes, and the accuracy of every node subset's ensemble (mean of logits, Eq 4.10).
 */
import * as tf from '@tensorflow/tfjs-core';
import { toTensor } from '../data/batches';
import { ImageDataset } from '../data/dataset';
import { attentionMapOf } from '../losses/maps';
import { Classifier } from '../models/model';

export interface Predictions {
  /** per model: logits [n × classes], row-major */
  logits: Float32Array[];
  /** per model: L2-normalised attention maps [n × h·w] (own map for ABN, Σ_c F² of the last stage otherwise) */
  attention: Float32Array[];
  labels: Int32Array;
  classes: number;
  /** side of the attention maps [h, w] */
  mapShape: [number, number];
}

/** Runs every model over `ds` once (inference mode). */
export function predict(models: Classifier[], ds: ImageDataset, batchSize = 256): Predictions {
  const n = ds.labels.length;
  const classes = ds.classes.length;
  const logits = models.map(() => new Float32Array(n * classes));
  const attention: Float32Array[] = [];
  let mapShape: [number, number] = [0, 0];
  for (let start = 0; start < n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const outs = tf.tidy(() => {
      const x = toTensor(ds, idx);
      return models.map((m) => {
        const o = m.apply(x, false);
        const map = attentionMapOf(o);
        const [b, h, w] = map.shape;
        const flat = tf.reshape(map, [b, h * w]);
        return { logits: o.logits, map: tf.div(flat, tf.add(tf.norm(flat, 2, 1, true), 1e-7)), h, w };
      });
    });
    outs.forEach((o, i) => {
      logits[i].set(o.logits.dataSync(), start * classes);
      if (!attention[i]) {
        mapShape = [o.h, o.w];
        attention[i] = new Float32Array(n * o.h * o.w);
      }
      attention[i].set(o.map.dataSync(), start * o.h * o.w);
      tf.dispose([o.logits, o.map]);
    });
  }
  return { logits, attention, labels: ds.labels, classes, mapShape };
}

function softmaxRow(z: Float32Array, offset: number, classes: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, z[offset + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += out[c] = Math.exp(z[offset + c] - max);
  for (let c = 0; c < classes; c++) out[c] /= sum;
}

/** MutualKL = 1/N Σ_n ½ (KL(p1‖p2) + KL(p2‖p1)) (Eq 4.2) */
export function mutualKL(a: Float32Array, b: Float32Array, classes: number): number {
  const n = a.length / classes;
  const p = new Float64Array(classes);
  const q = new Float64Array(classes);
  let total = 0;
  for (let i = 0; i < n; i++) {
    softmaxRow(a, i * classes, classes, p);
    softmaxRow(b, i * classes, classes, q);
    let kl = 0;
    for (let c = 0; c < classes; c++) {
      const pc = Math.max(p[c], 1e-12);
      const qc = Math.max(q[c], 1e-12);
      kl += 0.5 * (pc * Math.log(pc / qc) + qc * Math.log(qc / pc));
    }
    total += kl;
  }
  return total / n;
}

/** accuracy of the argmax of the summed logits of the given models */
export function ensembleAccuracy(logits: Float32Array[], labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < classes; c++) {
      let v = 0;
      for (const l of logits) v += l[i * classes + c];
      if (v > bestValue) [best, bestValue] = [c, v];
    }
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

export function accuracy(logits: Float32Array, labels: Int32Array, classes: number): number {
  return ensembleAccuracy([logits], labels, classes);
}

/** ΔAccuracy = Acc_ens − (Acc_1 + Acc_2)/2 (Eq 4.4) */
export function deltaAccuracy(a: Float32Array, b: Float32Array, labels: Int32Array, classes: number): number {
  return ensembleAccuracy([a, b], labels, classes) - (accuracy(a, labels, classes) + accuracy(b, labels, classes)) / 2;
}

/** mean absolute difference of two nodes' L2-normalised attention maps */
export function attentionError(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Pearson correlation coefficient */
export function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

export interface PairRow {
  a: number;
  b: number;
  mutualKL: number;
  deltaAccuracy: number;
  ensembleAccuracy: number;
  attentionError: number;
}

/** every pair of models: MutualKL, ΔAccuracy, ensemble accuracy, attention error (Fig 4.2) */
export function pairwiseAnalysis(p: Predictions): PairRow[] {
  const rows: PairRow[] = [];
  for (let a = 0; a < p.logits.length; a++) {
    for (let b = a + 1; b < p.logits.length; b++) {
      rows.push({
        a,
        b,
        mutualKL: mutualKL(p.logits[a], p.logits[b], p.classes),
        deltaAccuracy: deltaAccuracy(p.logits[a], p.logits[b], p.labels, p.classes),
        ensembleAccuracy: ensembleAccuracy([p.logits[a], p.logits[b]], p.labels, p.classes),
        attentionError: attentionError(p.attention[a], p.attention[b]),
      });
    }
  }
  return rows;
}

/** accuracy of the ensemble of every non-empty subset of nodes (Table 4.8), largest subsets first */
export function subsetEnsembles(p: Predictions): { nodes: number[]; accuracy: number }[] {
  const m = p.logits.length;
  const rows: { nodes: number[]; accuracy: number }[] = [];
  for (let mask = 1; mask < 1 << m; mask++) {
    const nodes = Array.from({ length: m }, (_, i) => i).filter((i) => mask & (1 << i));
    rows.push({
      nodes,
      accuracy: ensembleAccuracy(
        nodes.map((i) => p.logits[i]),
        p.labels,
        p.classes,
      ),
    });
  }
  return rows.sort((x, y) => y.nodes.length - x.nodes.length || x.nodes.join().localeCompare(y.nodes.join()));
}
