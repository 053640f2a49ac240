/**
 * One graph trained with one seed as a stored job that keeps its models: what a notebook's seed loop
 * calls instead of trainGraph when the run should survive a dead kernel. The first call trains in
 * this process and stores the result with every node's weights; a later call with the same job (same
 * spec, data, settings and seed) reads it back — metrics and models — without training
 * ("reused 1 of 1 runs"). The data are the job's subsets (training subset seed 1, test subset seed
 * 2), as `ktg train` and `randomSubset(split, n, 1 | 2)` give them.
 */
import { TrainResult } from '../training';
import { GraphJobInput, GraphJobResult, parseGraphJob } from './job';
import { restoreGraphRun } from './restore_graph_run';
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
