/**
 * Runs one distillation job in this process: the teachers are the trained nodes of the job's graph
 * job, read back from the storage the job came from (the graph job must have finished there); the
 * student is a fresh registry model; the data are the graph job's subsets (training seed 1, test
 * seed 2).
 */
import { distillTeachers } from '../graph/ensemble_distillation';
import { build } from '../models/model';
import { createModel } from '../models/registry';
import { StudyStorage } from '../search/storage/types';
import { disposeModels } from '../training';
import { restoreGraphRun } from './restore_graph_run';
import { DistillJob, DistillJobResult, GraphJobResult, jobKey, KTG_VERSION } from './job';
import { backendText } from './result_kit';
import { jobSubsets } from './run_graph_job';

/** the teachers' graph job's stored result; an error naming the job when it has not finished in this storage */
async function teachersResult(job: DistillJob, storage: StudyStorage): Promise<GraphJobResult> {
  const key = jobKey(job.teachers);
  const [row] = await storage.jobs({ keys: [key] });
  const nodes = job.teachers.spec.nodes.map((n) => n.model).join(' + ');
  if (row?.status !== 'completed')
    throw new Error(
      `the teachers' graph job (${nodes}, seed ${job.teachers.seed}; key ${key.slice(0, 12)}) is ${row ? row.status : 'not'} in ${storage.url}: ` +
        'run it there first (trainGraphRun or runJobs with this storage)',
    );
  return row.result as unknown as GraphJobResult;
}

export async function runDistillJob(job: DistillJob, storage: StudyStorage, options: { signal?: AbortSignal } = {}): Promise<DistillJobResult | 'aborted'> {
  const teachers = restoreGraphRun(job.teachers, await teachersResult(job, storage));
  const { numClasses, inputShape } = job.teachers.spec;
  const student = build(createModel(job.student.model, { numClasses, inputShape, seed: job.student.seed }));
  const data = await jobSubsets(job.teachers);
  const t0 = Date.now();
  try {
    const run = await distillTeachers(student, teachers.models, data, {
      knowledge: job.knowledge,
      temperature: job.temperature,
      attentionWeight: job.attentionWeight,
      surgery: job.surgery,
      seed: job.seed,
      epochs: job.epochs,
      batchSize: job.batchSize,
      learningRate: job.learningRate,
      schedule: job.schedule,
      milestones: job.milestones,
      augmentation: job.augmentation,
      signal: options.signal,
    });
    if (run.status === 'stopped' || run.status === 'aborted') return 'aborted';
    const last = run.history[run.history.length - 1];
    return {
      status: run.status === 'diverged' ? 'diverged' : 'completed',
      ...(run.error ? { error: run.error } : {}),
      epochs: run.history,
      studentAccuracy: last?.accuracy ?? NaN,
      probabilityConflicts: run.probabilityConflicts,
      attentionConflicts: run.attentionConflicts,
      steps: run.steps,
      seconds: (Date.now() - t0) / 1000,
      backend: backendText(),
      ktg: KTG_VERSION,
    };
  } finally {
    student.params.dispose();
    disposeModels(teachers);
  }
}
