/**
 * Runs one graph job in this process: the dataset subsets `ktg train` uses (training subset seed 1,
 * test subset seed 2; a labelled split seed 0 for semi-supervised graphs), the graph trained with the
 * job's seed, the test accuracy of every node after every epoch.
 */
import { backendText } from './result_kit';
import { ImageDataset } from '../data/dataset';
import { loadDataset } from '../data/registry';
import { labelledSplit, randomSubset } from '../data/splits';
import { trainGraph } from '../graph/trainer';
import { disposeModels, EpochMetrics, TrainResult } from '../training';
import { isSemiSupervised } from '../graph/spec';
import { trainSemiGraph } from '../semi/trainer';
import { GraphJob, GraphJobResult, JobEpoch, KTG_VERSION } from './job';
import { checkpointBytes } from '../models/checkpoint';

const subsets = new Map<string, Promise<{ train: ImageDataset; test: ImageDataset }>>();

/** a job's training subset (seed 1) and test subset (seed 2), loaded once per process: graph and co-GAN jobs */
export function jobSubsets(job: { dataset: string; trainSize: number; testSize: number }): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const id = `${job.dataset}/${job.trainSize}/${job.testSize}`;
  if (!subsets.has(id))
    subsets.set(
      id,
      loadDataset(job.dataset).then((all) => ({ train: randomSubset(all.train, job.trainSize, 1), test: randomSubset(all.test, job.testSize, 2) })),
    );
  return subsets.get(id)!;
}

export interface RunJobOptions {
  signal?: AbortSignal;
  onEpoch?: (m: EpochMetrics) => void;
}

/** the job's result, or "aborted" when the signal ended it (nothing to store) */
export async function runGraphJob(job: GraphJob, options: RunJobOptions = {}): Promise<GraphJobResult | 'aborted'> {
  const spec = job.spec;
  // classes and input shape are checked against the data by the trainers (checkData)
  const data = await jobSubsets(job);
  const common = {
    epochs: job.epochs,
    learningRate: job.learningRate,
    schedule: job.schedule,
    milestones: job.milestones,
    seed: job.seed,
    signal: options.signal,
    onEpoch: options.onEpoch,
  };
  const t0 = Date.now();
  let result: TrainResult;
  if (job.semi || isSemiSupervised(spec)) {
    if (!job.semi) throw new Error('the job\'s graph has semi-supervised edges but the job has no "semi" settings (labelled images, batch sizes)');
    const { labelled, unlabelled } = labelledSplit(data.train, job.semi.labelled, 0);
    result = await trainSemiGraph(spec, { labelled, unlabelled, test: data.test }, { ...common, ...job.semi });
  } else {
    result = await trainGraph(spec, data, { ...common, batchSize: job.batchSize, augmentation: job.augmentation });
  }
  const models = job.keepModels && result.status !== 'aborted' ? result.models.map((m) => checkpointBytes(m).toString('base64')) : undefined;
  disposeModels(result);
  if (result.status === 'aborted') return 'aborted';
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  const epochs: JobEpoch[] = result.history.map((m) => ({
    epoch: m.epoch,
    accuracy: m.accuracy,
    ensembleAccuracy: m.ensembleAccuracy,
    nodeLoss: m.nodeLoss,
    edgeLoss: m.edgeLoss,
    seconds: m.seconds,
  }));
  const last = epochs[epochs.length - 1];
  return {
    status: result.status === 'diverged' ? 'diverged' : 'completed',
    ...(result.error ? { error: result.error } : {}),
    epochs,
    accuracy: last?.accuracy ?? [],
    ensembleAccuracy: last?.ensembleAccuracy ?? NaN,
    targetAccuracy: last?.accuracy[target] ?? NaN,
    seconds: (Date.now() - t0) / 1000,
    steps: result.steps,
    backend: backendText(),
    ktg: KTG_VERSION,
    ...(models ? { models } : {}),
  };
}
