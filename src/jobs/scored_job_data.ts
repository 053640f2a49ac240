/**
 * The data of a scored GAN job (co-GAN or single GAN): the training subset (seed 1), the real
 * reference subset (seed 2), and a scorer whose metric classifier is trained on the first and tested
 * on the second (cached on disk); prepared once per process for every job that shares them.
 */
import { ImageDataset } from '../data/dataset';
import { createScorer, metricClassifier, SampleScorer } from '../gan/quality';
import { jobSubsets } from './run_graph_job';

export interface ScoredJobData {
  train: ImageDataset;
  scorer: SampleScorer;
}

const prepared = new Map<string, Promise<ScoredJobData>>();

export function scoredJobData(job: {
  dataset: string;
  trainSize: number;
  testSize: number;
  scoring: { metricModel: string; metricEpochs: number };
}): Promise<ScoredJobData> {
  const id = `${job.dataset}/${job.trainSize}/${job.testSize}/${job.scoring.metricModel}/${job.scoring.metricEpochs}`;
  if (!prepared.has(id))
    prepared.set(
      id,
      jobSubsets(job).then(async ({ train, test: reference }) => {
        const { network } = await metricClassifier({ train, test: reference }, { model: job.scoring.metricModel, epochs: job.scoring.metricEpochs });
        return { train, scorer: createScorer(network, reference) };
      }),
    );
  return prepared.get(id)!;
}
