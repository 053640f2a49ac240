/**
 * Distilling several teachers into one student (thesis §4.3.3, Table 4.9): either from the
 * ensemble's probabilities (mean of logits) or from each teacher separately — CE on the temperature
 * softmax (×T²) per teacher, optionally plus the MSE of L2-normalised attention maps per teacher —
 * with or without gradient surgery between the transfer losses. Counts gradient conflicts per pair of
 * teachers, for probabilities and for attention maps (Tables 4.10–4.11).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SgdMomentum } from '../optim';
import { batches } from '../data/batches';
import { ImageDataset } from '../data/dataset';
import { ATTENTION_LOSS, crossEntropy, DISTILLATION_LOSS, lossDefinition } from '../losses';
import { Classifier, ForwardOutput, trainableVariables } from '../models/model';
import { flattenGrads, projectConflicts, unflattenGrads } from './gradient_surgery';
import { evaluateAll, TrainOptions } from './trainer';
import { driveEpochs, learningRateAt, OnEpoch, RunResult } from '../training/epoch_driver';

export interface DistillOptions extends Pick<
  TrainOptions,
  'epochs' | 'batchSize' | 'learningRate' | 'momentum' | 'weightDecay' | 'schedule' | 'milestones' | 'augmentation'
> {
  knowledge: 'ensemble' | 'per-teacher';
  temperature: number;
  /** per-teacher attention-map MSE, with this weight (0 = none) */
  attentionWeight?: number;
  surgery?: boolean;
  seed?: number;
  /** after each epoch; "stop" ends training (status "stopped") */
  onEpoch?: OnEpoch<DistillEpoch>;
  /** ends training between steps (status "aborted") */
  signal?: AbortSignal;
}

export interface DistillEpoch {
  /** 1-based epoch */
  epoch: number;
  /** the student's test accuracy */
  accuracy: number;
  /** mean training loss (label + transfer losses) */
  loss: number;
  learningRate: number;
  seconds: number;
}

/** the student is the run's model; "diverged" when a loss became NaN or infinite (then `error` says which, and when) */
export interface DistillResult extends RunResult<DistillEpoch, Classifier> {
  /** conflicts between teachers' probability losses [teacher][teacher], summed over steps */
  probabilityConflicts: number[][];
  /** conflicts between teachers' attention losses */
  attentionConflicts: number[][];
}

/** the registry's losses a student learns from its teachers with (Table 4.9): KD at temperature T, attention-map MSE */
const KD = lossDefinition(DISTILLATION_LOSS);
const MAP_PULL = lossDefinition(ATTENTION_LOSS);

export async function distillTeachers(
  student: Classifier,
  teachers: Classifier[],
  data: { train: ImageDataset; test: ImageDataset },
  options: DistillOptions,
): Promise<DistillResult> {
  const vars = trainableVariables(student);
  const decayed = vars.filter((v) => v.shape.length > 1);
  const wd = options.weightDecay ?? 5e-4;
  // weight decay is part of the label loss here, so that gradient surgery sees it
  const optimizer = new SgdMomentum({ learningRate: options.learningRate ?? 0.1, momentum: options.momentum ?? 0.9, nesterov: true });
  const k = teachers.length;
  const zeros = () => Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const conflicts = { probabilityConflicts: zeros(), attentionConflicts: zeros() };
  const beta = options.attentionWeight ?? 0;
  const T = options.temperature;
  const trainOptions = { ...options, seed: options.seed ?? 0 } as TrainOptions;
  const run = await driveEpochs({
    epochs: options.epochs,
    learningRate: (epoch) => learningRateAt(trainOptions, epoch),
    optimizers: [optimizer],
    steps: (epoch) => batches(data.train, { batchSize: options.batchSize, seed: options.seed ?? 0, epoch, augmentation: options.augmentation ?? 'none' }),
    discard: (batch) => tf.dispose([batch.x, batch.labels]),
    step: (batch) => {
      // the teachers' outputs, kept for the step's losses (no gradient reaches them: only the student's variables are differentiated)
      const targets = teachers.map((t) => tf.tidy(() => ({ ...t.apply(batch.x, false) }) as unknown as tf.TensorContainer) as unknown as ForwardOutput);
      const kd = { temperature: T };
      // the losses, each a function of the student's output on the batch
      type Loss = { kind: 'label' | 'prob' | 'att'; teacher: number; f: (o: ForwardOutput) => tf.Scalar };
      const losses: Loss[] = [];
      const decay = () => (wd > 0 ? tf.mul(0.5 * wd, tf.addN(decayed.map((v) => tf.sum(tf.square(v))))) : tf.scalar(0));
      losses.push({ kind: 'label', teacher: -1, f: (o) => tf.add(tf.mean(crossEntropy(batch.labels, o.logits)), decay()) as tf.Scalar });
      if (options.knowledge === 'ensemble') {
        const ensemble: ForwardOutput = { logits: tf.tidy(() => tf.div(tf.addN(targets.map((t) => t.logits)), k) as tf.Tensor2D), features: [] };
        targets.push(ensemble);
        losses.push({ kind: 'prob', teacher: -1, f: (o) => tf.mean(KD.labelled!(kd, { source: ensemble, target: o })) as tf.Scalar });
      } else {
        targets.slice(0, k).forEach((t, i) => {
          losses.push({ kind: 'prob', teacher: i, f: (o) => tf.mean(KD.labelled!(kd, { source: t, target: o })) as tf.Scalar });
          if (beta > 0)
            losses.push({ kind: 'att', teacher: i, f: (o) => tf.mul(beta, tf.mean(MAP_PULL.labelled!({}, { source: t, target: o }))) as tf.Scalar });
        });
      }
      let total: tf.Tensor1D;
      // the step's loss, summed over the losses: a non-finite one ends the run as diverged
      let lossValue = 0;
      if (options.surgery && losses.length > 2) {
        // one forward + backward per loss (batch-norm statistics then move once per loss)
        const flat = losses.map((l) => {
          const { grads, value } = tf.variableGrads(() => l.f(student.apply(batch.x, true)), vars);
          const g = flattenGrads(grads, vars);
          lossValue += value.dataSync()[0];
          tf.dispose([value, ...Object.values(grads)]);
          return g;
        });
        const own = losses.slice(1);
        const projection = projectConflicts(flat.slice(1));
        const projected = projection.projected;
        own.forEach((a, i) =>
          own.forEach((b, j) => {
            if (a.kind === b.kind && a.teacher >= 0 && b.teacher >= 0 && a.teacher !== b.teacher)
              (a.kind === 'prob' ? conflicts.probabilityConflicts : conflicts.attentionConflicts)[a.teacher][b.teacher] += projection.conflicts[i][j];
          }),
        );
        total = tf.tidy(() => tf.addN([flat[0], ...projected]) as tf.Tensor1D);
        tf.dispose([...flat, ...projected]);
      } else {
        const { grads, value } = tf.variableGrads(() => {
          const o = student.apply(batch.x, true);
          return tf.addN(losses.map((l) => l.f(o))) as tf.Scalar;
        }, vars);
        total = flattenGrads(grads, vars);
        lossValue = value.dataSync()[0];
        tf.dispose([value, ...Object.values(grads)]);
      }
      const named = unflattenGrads(total, vars);
      optimizer.applyGradients(vars.map((v) => ({ name: v.name, tensor: named[v.name] })));
      tf.dispose([
        total,
        ...Object.values(named),
        batch.x,
        batch.labels,
        ...targets.flatMap((t) => [t.logits, ...t.features, ...(t.attention ? [t.attention] : []), ...(t.auxLogits ? [t.auxLogits] : [])]),
      ]);
      return [lossValue];
    },
    describeValue: () => 'the distillation loss',
    endEpoch: ([loss], info) => ({
      epoch: info.epoch + 1,
      accuracy: evaluateAll([student], data.test).accuracy[0],
      loss,
      learningRate: info.learningRate,
      seconds: info.seconds,
    }),
    onEpoch: options.onEpoch,
    signal: options.signal,
  });
  return { ...run, models: student, ...conflicts };
}
