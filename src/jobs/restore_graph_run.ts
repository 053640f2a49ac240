/** A stored graph job's result (one that kept its models) as the TrainResult its training returned. */
import { build, Classifier } from '../models/model';
import { createModel } from '../models/registry';
import { loadCheckpointBytes } from '../models/checkpoint';
import { EpochMetrics, learningRateAt, TrainResult } from '../training';
import { GraphJob, GraphJobResult } from './job';

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
