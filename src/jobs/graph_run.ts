/**
 * One graph trained with one seed as a stored job that keeps its models: what a notebook's seed loop
 * calls instead of trainGraph when the run should survive a dead kernel. The first call trains in
 * this process and stores the result with every node's weights; a later call with the same job (same
 * spec, data, settings and seed) reads it back — metrics and models — without training
 * ("reused 1 of 1 runs"). The data are the job's subsets (training subset seed 1, test subset seed
 * 2), as `ktg train` and `randomSubset(split, n, 1 | 2)` give them.
 */
import { build, Classifier } from '../models/model';
import { createModel } from '../models/registry';
import { loadCheckpointBytes } from '../models/checkpoint';
import { EpochMetrics, learningRateAt, TrainResult } from '../training';
import { GraphJob, GraphJobInput, GraphJobResult, parseGraphJob } from './job';
import { runJobs } from './run_jobs';

export interface GraphRunOptions {
  /** study storage URL (e.g. experimentStorage(name)); default: a temporary one (nothing is reused) */
  storage?: string;
  /** the batch the job is stored under (default "graph runs") */
  batch?: string;
  /** for people: e.g. "DML 3 nodes, seed 5" (default: the models and the seed) */
  label?: string;
  /** progress lines (default console.log); false for none */
  log?: ((line: string) => void) | false;
}

/** a stored job's result as a TrainResult with its models rebuilt from the stored weights */
export function restoreGraphRun(job: GraphJob, result: GraphJobResult): TrainResult {
  if (!result.models) throw new Error('this job stored no models (its keepModels was not set)');
  const spec = job.spec;
  const models: Classifier[] = spec.nodes.map((n, i) => {
    const model = build(createModel(n.model, { numClasses: spec.numClasses, inputShape: spec.inputShape, seed: 0 }));
    loadCheckpointBytes(model, Buffer.from(result.models![i], 'base64'), `stored weights of node ${i + 1} (${n.model})`);
    return model;
  });
  const history: EpochMetrics[] = result.epochs.map((e) => ({ ...e, learningRate: learningRateAt({ ...job, epochs: job.epochs }, e.epoch - 1) }));
  return {
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
    history,
    steps: result.steps ?? NaN,
    targetAccuracy: result.targetAccuracy,
    models,
  };
}

/** Trains (or reads back) one graph job and returns its run with the trained models. */
export async function trainGraphRun(input: Omit<GraphJobInput, 'kind' | 'keepModels'>, options: GraphRunOptions = {}): Promise<TrainResult> {
  const job = parseGraphJob({ ...input, kind: 'graph', keepModels: true });
  const label = options.label ?? `${job.spec.nodes.map((n) => n.model).join(' + ')}, seed ${job.seed}`;
  const { outcomes } = await runJobs([{ label, job }], {
    storage: options.storage,
    batch: options.batch ?? 'graph runs',
    workers: 0,
    log: options.log,
    perJob: false,
  });
  return restoreGraphRun(job, outcomes[0].result as GraphJobResult);
}
