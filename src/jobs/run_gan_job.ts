/**
 * Runs one GAN job in this process (papers 001 / 002): one generator against one discriminator on
 * the job's training subset (seed 1), scored under the metric classifier against the real reference
 * subset (seed 2) at each snapshot step, where the generator's weights are also stored; the losses
 * are kept per period. `restoreGanSnapshots` rebuilds the stored generators.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DcganGenerator, ImageSize } from '../gan/dcgan';
import { scoreGenerators } from '../gan/quality';
import { trainGan } from '../gan/train_gan';
import { checkpointBytes, loadCheckpointBytes } from '../models/checkpoint';
import { GanJob, GanJobResult, GanSnapshot, KTG_VERSION } from './job';
import { backendText, named } from './result_kit';
import { scoredJobData } from './scored_job_data';

const GENERATOR = 'dcgan-generator';

export async function runGanJob(job: GanJob, options: { signal?: AbortSignal } = {}): Promise<GanJobResult | 'aborted'> {
  const { train, scorer } = await scoredJobData(job);
  const channels = train.shape[2];
  const snapshots: GanSnapshot[] = [];
  const t0 = Date.now();
  let run;
  try {
    run = await trainGan(train, {
      imageSize: job.imageSize as ImageSize,
      channels,
      conditional: job.conditional,
      objective: job.objective,
      norm: job.norm,
      zDim: job.zDim,
      baseWidth: job.baseWidth,
      steps: job.steps,
      batchSize: job.batchSize,
      learningRate: job.learningRate,
      seed: job.seed,
      every: job.every,
      snapshots: job.snapshots,
      signal: options.signal,
      onSnapshot: (step, generator) => {
        const [q] = scoreGenerators([generator], scorer, { samples: job.scoring.samples, seed: job.scoring.seed });
        const weights = checkpointBytes(named(GENERATOR, generator.params)).toString('base64');
        snapshots.push({ step, is: q.inceptionScore, isStd: q.inceptionScoreStd, fid: q.fid, generator: weights });
      },
    });
  } catch (err) {
    if (options.signal?.aborted) return 'aborted';
    throw err;
  }
  tf.dispose([...run.models.generator.params.variables(), ...run.models.discriminator.params.variables()]);
  if (run.status === 'aborted') return 'aborted';
  return {
    status: run.status === 'diverged' ? 'diverged' : 'completed',
    ...(run.error ? { error: run.error } : {}),
    snapshots: snapshots.sort((a, b) => a.step - b.step),
    losses: run.history.map((h) => ({ step: h.step, dLoss: h.dLoss, gLoss: h.gLoss })),
    realInceptionScore: scorer.realInceptionScore,
    channels,
    classes: train.classes.length,
    steps: run.steps,
    seconds: (Date.now() - t0) / 1000,
    backend: backendText(),
    ktg: KTG_VERSION,
  };
}

/** every stored snapshot's generator, rebuilt from its weights (in the result's snapshot order) */
export function restoreGanSnapshots(job: GanJob, result: GanJobResult): DcganGenerator[] {
  return result.snapshots.map((snapshot) => {
    const generator = new DcganGenerator({
      imageSize: job.imageSize as ImageSize,
      channels: result.channels,
      zDim: job.zDim,
      baseWidth: job.baseWidth,
      classes: job.conditional ? result.classes : undefined,
      seed: job.seed * 100 + 1,
    });
    // variables are created by a first pass
    tf.tidy(() => {
      const labels = job.conditional ? (tf.zeros([1], 'int32') as tf.Tensor1D) : undefined;
      generator.apply(tf.zeros([1, generator.zDim]) as tf.Tensor2D, false, labels);
    });
    loadCheckpointBytes(
      named(GENERATOR, generator.params),
      Buffer.from(snapshot.generator, 'base64'),
      `stored weights of the generator at step ${snapshot.step}`,
    );
    return generator;
  });
}
