/**
 * Runs one co-GAN job in this process: the job's training subset (seed 1) and real reference subset
 * (seed 2), the metric classifier trained on the first and tested on the second (cached on disk), the
 * GAN graph co-trained with the job's seed and every generator scored after every period; the
 * trained generators' and discriminator's weights go into the result.
 */
import { CoGanModels, createCoGan } from '../gan/cotraining';
import { ImageSize } from '../gan/dcgan';
import { scoredCoTraining } from '../gan/scored_cotraining';
import { checkpointBytes, loadCheckpointBytes } from '../models/checkpoint';
import * as tf from '@tensorflow/tfjs-core';
import { CoGanJob, CoGanJobResult, KTG_VERSION } from './job';
import { scoredJobData } from './scored_job_data';
import { backendText, named } from './result_kit';

export async function runCoGanJob(job: CoGanJob, options: { signal?: AbortSignal } = {}): Promise<CoGanJobResult | 'aborted'> {
  const { train, scorer } = await scoredJobData(job);
  const channels = train.shape[2];
  const t0 = Date.now();
  let run;
  try {
    run = await scoredCoTraining(
      job.spec,
      train,
      {
        imageSize: job.imageSize as ImageSize,
        channels,
        zDim: job.zDim,
        baseWidth: job.baseWidth,
        norm: job.norm,
        steps: job.steps,
        every: job.every,
        batchSize: job.batchSize,
        learningRate: job.learningRate,
        seed: job.seed,
        signal: options.signal,
      },
      scorer,
      { samples: job.scoring.samples, seed: job.scoring.seed },
    );
  } catch (err) {
    if (options.signal?.aborted) return 'aborted';
    throw err;
  }
  const { generators, discriminator } = run.models;
  const weights = {
    generators: generators.map((g) => checkpointBytes(named('dcgan-generator', g.params)).toString('base64')),
    discriminator: checkpointBytes(named('dcgan-discriminator', discriminator.params)).toString('base64'),
  };
  tf.dispose([...generators.flatMap((g) => g.params.variables()), ...discriminator.params.variables()]);
  if (run.status === 'aborted') return 'aborted';
  return {
    status: run.status === 'diverged' ? 'diverged' : 'completed',
    ...(run.error ? { error: run.error } : {}),
    best: run.best,
    top: run.top,
    curve: run.curve,
    losses: run.losses,
    realInceptionScore: scorer.realInceptionScore,
    channels,
    steps: run.steps,
    seconds: (Date.now() - t0) / 1000,
    backend: backendText(),
    ktg: KTG_VERSION,
    ...weights,
  };
}

/** the job's trained models rebuilt from its stored weights */
export function restoreCoGanModels(job: CoGanJob, result: CoGanJobResult): CoGanModels {
  const models = createCoGan(job.spec, {
    imageSize: job.imageSize as ImageSize,
    channels: result.channels,
    zDim: job.zDim,
    baseWidth: job.baseWidth,
    norm: job.norm,
    seed: job.seed,
  });
  // variables are created by a first pass
  tf.tidy(() => {
    const z = tf.zeros([1, models.generators[0].zDim]) as tf.Tensor2D;
    for (const g of models.generators) models.discriminator.apply(g.apply(z, false).images, false);
  });
  models.generators.forEach((g, i) =>
    loadCheckpointBytes(named('dcgan-generator', g.params), Buffer.from(result.generators[i], 'base64'), `stored weights of G${i + 1}`),
  );
  loadCheckpointBytes(
    named('dcgan-discriminator', models.discriminator.params),
    Buffer.from(result.discriminator, 'base64'),
    'stored weights of the discriminator',
  );
  return models;
}
