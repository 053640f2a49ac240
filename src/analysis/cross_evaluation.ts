/**
 * Every model on every test set (paper 001 Tables 1–2): accuracy and mean cross-entropy
 * −(1/N) Σ log p̂(y_i | x_i) (Eq 4) of model m on test set t.
 */
import { ImageDataset } from '../data/dataset';
import { Classifier } from '../models/model';
import { accuracy, predict } from './ensemble_analysis';

/** mean cross-entropy of row-major logits [n × classes] against labels (log-sum-exp for stability) */
export function meanCrossEntropy(logits: Float32Array, labels: Int32Array, classes: number): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i * classes + c] - max);
    total += max + Math.log(sum) - logits[i * classes + labels[i]];
  }
  return total / Math.max(labels.length, 1);
}

export interface CrossEvaluation {
  /** accuracy[m][t] of model m on test set t */
  accuracy: number[][];
  /** loss[m][t]: mean cross-entropy */
  loss: number[][];
}

export function crossEvaluate(models: Classifier[], testSets: ImageDataset[]): CrossEvaluation {
  const acc = models.map(() => new Array<number>(testSets.length).fill(0));
  const loss = models.map(() => new Array<number>(testSets.length).fill(0));
  testSets.forEach((ds, t) => {
    const p = predict(models, ds);
    p.logits.forEach((l, m) => {
      acc[m][t] = accuracy(l, p.labels, p.classes);
      loss[m][t] = meanCrossEntropy(l, p.labels, p.classes);
    });
  });
  return { accuracy: acc, loss };
}
