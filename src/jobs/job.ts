/**
 * A job: one unit of work after (or instead of) a search — one graph trained with one seed on a
 * dataset subset, evaluated on the test subset — described completely, so that any worker on any
 * machine runs it the same way, and keyed by a content hash of that description plus JOB_FORMAT: the
 * same key is the same work, and its stored result is reused; a changed spec, size, setting, seed or
 * format version is a different key and trains anew.
 */
import { createHash } from 'crypto';
import stringify from 'safe-stable-stringify';
import { z } from 'zod';
import { GanGraphSpec, GraphSpec, parseGanGraphSpec, parseGraphSpec } from '../graph/spec';
import type { GeneratorPoint } from '../gan/scored_cotraining';
import type { DistillEpoch } from '../graph/ensemble_distillation';
import { GanObjective, ganObjectives } from '../gan/objectives';
import { issueLines } from '../schema/issues';
import { augmentationSchema, scheduleSchema } from '../schema/training';
import { InputError } from '../input_error';
import { backendInfo, Precision, PRECISIONS } from '../backend';

/**
 * What a job stores and how it trains: bump it when either changes meaning (a result of an older
 * format is then never reused).
 */
export const JOB_FORMAT = 1;

/** the version of ktg that ran a job (stored with its result) */
export const KTG_VERSION = (require('../../package.json') as { version: string }).version;

const semiSchema = z
  .object({
    /** labelled images (class-balanced) out of the training subset; the rest is unlabelled */
    labelled: z.number().int().positive(),
    labelledBatch: z.number().int().positive(),
    unlabelledBatch: z.number().int().positive(),
  })
  .strict();

export const graphJobSchema = z
  .object({
    kind: z.literal('graph'),
    /** the knowledge transfer graph (parsed, so every spelling of one graph has one key) */
    spec: z.record(z.unknown()),
    dataset: z.string().min(1),
    /** training subset (seed 1 of the training split; 0 = all of it) */
    trainSize: z.number().int().nonnegative(),
    /** test subset (seed 2 of the test split; 0 = all of it) */
    testSize: z.number().int().nonnegative(),
    seed: z.number().int(),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive().finite(),
    schedule: scheduleSchema,
    milestones: z.array(z.number().int().positive()).default([]),
    augmentation: augmentationSchema,
    /** semi-supervised graphs (thesis Ch.5) */
    semi: semiSchema.optional(),
    /** store every node's trained weights with the result, so a notebook gets the models back (absent: the key of a job that keeps none) */
    keepModels: z.literal(true).optional(),
  })
  .strict();

export type GraphJobInput = Omit<z.input<typeof graphJobSchema>, 'spec'> & { spec: unknown };
export type GraphJob = Omit<z.infer<typeof graphJobSchema>, 'spec'> & { spec: GraphSpec };

/**
 * A trial of a study trained again with another seed (the confirmation stage): the study's whole
 * config and the trial's spec are in the job, so its key changes with either; it trains on the
 * study's search split and reports the study's objective on its validation part, like the trial did.
 */
export const trialJobSchema = z
  .object({
    kind: z.literal('trial'),
    study: z.string().min(1),
    trial: z.number().int().nonnegative(),
    /** the study's settings as stored (parsed by the runner with parseStoredStudyConfig) */
    config: z.record(z.unknown()),
    /** the trial's sampled spec as stored (parsed by the study's kind) */
    spec: z.record(z.unknown()),
    seed: z.number().int(),
  })
  .strict();

export type TrialJob = z.infer<typeof trialJobSchema>;

/** what every GAN job (co-GAN or single GAN) is trained and scored with */
const scoredGanFields = {
  dataset: z.string().min(1),
  /** training subset (seed 1 of the training split; 0 = all of it) */
  trainSize: z.number().int().nonnegative(),
  /** real reference images for FID and the metric classifier's test set (seed 2 of the test split; 0 = all) */
  testSize: z.number().int().nonnegative(),
  seed: z.number().int(),
  imageSize: z.union([z.literal(28), z.literal(32), z.literal(64)]),
  zDim: z.number().int().positive(),
  baseWidth: z.number().int().positive(),
  /** discriminator normalisation */
  norm: z.enum(['batch', 'spectral']),
  steps: z.number().int().positive(),
  /** steps per period (scoring of co-GANs; loss means of both) */
  every: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive().finite(),
  /** the metric classifier (model, epochs) and the images scored per generator from one fixed z (seed) */
  scoring: z
    .object({ metricModel: z.string().min(1), metricEpochs: z.number().int().positive(), samples: z.number().int().positive(), seed: z.number().int() })
    .strict(),
};

/**
 * A GAN graph co-trained with one seed and scored as it goes (papers 003 / 000): the generators are
 * scored (IS, FID under a metric classifier trained on the same training subset, against the test
 * subset) after every period of `every` steps; the result keeps every generator's curve and best, and
 * the trained generators' and discriminator's weights.
 */
export const coGanJobSchema = z
  .object({
    kind: z.literal('cogan'),
    /** the GAN graph (parsed, so every spelling of one graph has one key) */
    spec: z.record(z.unknown()),
    ...scoredGanFields,
  })
  .strict();

/**
 * One generator against one discriminator (papers 001 / 002) trained with one seed: the generator is
 * stored and scored (IS, FID under the metric classifier) at each snapshot step, the losses are kept
 * as means of every `every` steps. What a notebook needs to make datasets from a snapshot later
 * (paper 001) or to compare objectives (paper 002) without training again.
 */
export const ganJobSchema = z
  .object({
    kind: z.literal('gan'),
    ...scoredGanFields,
    /** CGAN (paper 001): generator and discriminator see the class label */
    conditional: z.boolean(),
    objective: z.enum(ganObjectives as [GanObjective, ...GanObjective[]]),
    /** steps after which the generator is scored and stored (the last one is usually `steps`) */
    snapshots: z.array(z.number().int().positive()).min(1),
  })
  .strict()
  .superRefine((job, ctx) => {
    const late = job.snapshots.filter((s) => s > job.steps);
    if (late.length)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['snapshots'], message: `snapshot steps ${late.join(', ')} come after the last step (${job.steps})` });
  });

export type GanJobInput = z.input<typeof ganJobSchema>;
export type GanJob = z.infer<typeof ganJobSchema>;

/**
 * One student distilled from the trained nodes of a graph job (thesis §4.3.3, Table 4.9) with one
 * seed. The teachers are named by their graph job (which keeps its models), not copied: the runner
 * reads their weights from the same storage, so the graph job must have finished there first. The
 * data are the teachers' job's subsets.
 */
export const distillJobSchema = z
  .object({
    kind: z.literal('distill'),
    /** the graph job whose nodes teach, as trainGraphRun takes it (kind and keepModels are filled in) */
    teachers: z.record(z.unknown()),
    /** the student: a registry model and the seed of its initial weights */
    student: z.object({ model: z.string().min(1), seed: z.number().int() }).strict(),
    knowledge: z.enum(['ensemble', 'per-teacher']),
    temperature: z.number().positive().finite(),
    /** per-teacher attention-map MSE with this weight (0: none) */
    attentionWeight: z.number().nonnegative().finite().default(0),
    /** gradient surgery between the transfer losses */
    surgery: z.boolean().default(false),
    /** the batch order and augmentation */
    seed: z.number().int(),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive().finite(),
    schedule: scheduleSchema.default('cosine'),
    milestones: z.array(z.number().int().positive()).default([]),
    augmentation: augmentationSchema.default('none'),
  })
  .strict();

export type DistillJobInput = Omit<z.input<typeof distillJobSchema>, 'teachers'> & { teachers: Omit<GraphJobInput, 'kind' | 'keepModels'> };
export type DistillJob = Omit<z.infer<typeof distillJobSchema>, 'teachers'> & { teachers: GraphJob };

export type CoGanJobInput = Omit<z.input<typeof coGanJobSchema>, 'spec'> & { spec: unknown };
export type CoGanJob = Omit<z.infer<typeof coGanJobSchema>, 'spec'> & { spec: GanGraphSpec };

/** every kind of job a worker runs */
export type Job = GraphJob | TrialJob | CoGanJob | GanJob | DistillJob;

export class JobSpecError extends InputError {}

/** checks a job and fills its defaults; the graph spec is parsed (its own errors name the node or edge) */
export function parseGraphJob(input: unknown): GraphJob {
  const r = graphJobSchema.safeParse(input);
  if (!r.success) throw new JobSpecError(`invalid job:\n${issueLines(graphJobSchema, r.error, 'job').join('\n')}`);
  return { ...r.data, spec: parseGraphSpec(r.data.spec) };
}

/** checks a co-GAN job and fills its defaults; the GAN graph is parsed (its own errors name the node or edge) */
export function parseCoGanJob(input: unknown): CoGanJob {
  const r = coGanJobSchema.safeParse(input);
  if (!r.success) throw new JobSpecError(`invalid job:\n${issueLines(coGanJobSchema, r.error, 'job').join('\n')}`);
  return { ...r.data, spec: parseGanGraphSpec(r.data.spec) };
}

/** checks a GAN job and fills its defaults */
export function parseGanJob(input: unknown): GanJob {
  const r = ganJobSchema.safeParse(input);
  if (!r.success) throw new JobSpecError(`invalid job:\n${issueLines(ganJobSchema, r.error, 'job').join('\n')}`);
  return r.data;
}

/** checks a distillation job and fills its defaults; its teachers' graph job is checked as a graph job that keeps its models */
export function parseDistillJob(input: unknown): DistillJob {
  const r = distillJobSchema.safeParse(input);
  if (!r.success) throw new JobSpecError(`invalid job:\n${issueLines(distillJobSchema, r.error, 'job').join('\n')}`);
  return { ...r.data, teachers: parseGraphJob({ ...r.data.teachers, kind: 'graph', keepModels: true }) };
}

/** checks a job of any kind */
export function parseJob(input: unknown): Job {
  const kind = (input as { kind?: unknown } | null)?.kind;
  if (kind === 'cogan') return parseCoGanJob(input);
  if (kind === 'gan') return parseGanJob(input);
  if (kind === 'distill') return parseDistillJob(input);
  if (kind === 'trial') {
    const r = trialJobSchema.safeParse(input);
    if (!r.success) throw new JobSpecError(`invalid job:\n${issueLines(trialJobSchema, r.error, 'job').join('\n')}`);
    return r.data;
  }
  if (kind === 'graph') return parseGraphJob(input);
  throw new JobSpecError(`invalid job: kind must be "graph", "trial", "cogan", "gan" or "distill", got ${JSON.stringify(kind)}`);
}

/** the precision this process computes in (fp32 until a backend says otherwise) */
export function runningPrecision(): Precision {
  return backendInfo()?.precision ?? 'fp32';
}

/**
 * The job's content key: sha-256 of its canonical JSON (keys sorted) with JOB_FORMAT, and the
 * precision when it is not fp32 — a bf16 run of a job is other work than its fp32 run, so neither
 * result is reused for the other (fp32 keys are those of ktg before bf16).
 */
export function jobKey(job: Job, precision: Precision = runningPrecision()): string {
  return createHash('sha256')
    .update(stringify({ format: JOB_FORMAT, job, ...(precision === 'fp32' ? {} : { precision }) }) ?? '')
    .digest('hex');
}

/**
 * Refuses to run a claimed job in another precision than it was submitted in (its key says which):
 * e.g. a `ktg worker` started without KTG_PRECISION=bf16 taking a job a bf16 notebook submitted.
 */
export function checkJobPrecision(job: Job, key: string, precision: Precision = runningPrecision()): void {
  if (jobKey(job, precision) === key) return;
  // a key that matches no precision was made from another spelling of the job (older defaults): it runs as before
  const submitted = PRECISIONS.find((p) => jobKey(job, p) === key);
  if (submitted)
    throw new JobSpecError(
      `job ${key.slice(0, 12)} was submitted by a run computing in ${submitted}; this worker computes in ${precision} (start it with KTG_PRECISION=${submitted})`,
    );
}

/** one evaluation after an epoch, as stored (accuracy per node on the test subset) */
export interface JobEpoch {
  epoch: number;
  accuracy: number[];
  ensembleAccuracy: number;
  nodeLoss: number[];
  edgeLoss: number[];
  seconds: number;
}

/** what a finished trial job stored: the study's objective on the validation split after every epoch */
export interface TrialJobResult {
  status: 'completed' | 'diverged';
  error?: string;
  /** the objective after the last epoch trained (NaN when none was) */
  value: number;
  epochs: { epoch: number; value: number; metrics: Record<string, number[]> }[];
  seconds: number;
  backend: string;
  ktg: string;
}

/** what a finished graph job stored */
export interface GraphJobResult {
  /** a diverged run is a result too (its seed counts as diverged); an exception is not (the job fails) */
  status: 'completed' | 'diverged';
  error?: string;
  epochs: JobEpoch[];
  /** final test accuracy per node, of the ensemble of all nodes, of the target node */
  accuracy: number[];
  ensembleAccuracy: number;
  targetAccuracy: number;
  /** wall time of the training, the backend that ran it, and ktg's version */
  seconds: number;
  backend: string;
  ktg: string;
  /** optimisation steps run (absent in results of ktg ≤ 0.1.0) */
  steps?: number;
  /** jobs with keepModels: each node's trained weights, a checkpoint in base64 (node 1 first) */
  models?: string[];
}

/** what a finished co-GAN job stored */
export interface CoGanJobResult {
  status: 'completed' | 'diverged';
  error?: string;
  /** each generator at its highest IS, and the best of them */
  best: GeneratorPoint[];
  top: GeneratorPoint;
  /** every generator after every period */
  curve: GeneratorPoint[];
  /** per-period mean losses: discriminator, then each generator */
  losses: { step: number; dLoss: number; gLoss: number[] }[];
  /** IS of the real reference images under the metric classifier */
  realInceptionScore: number;
  /** image channels of the dataset (what the stored generators draw) */
  channels: number;
  steps: number;
  seconds: number;
  backend: string;
  ktg: string;
  /** the trained generators' weights (G1 first) and the discriminator's, checkpoints in base64 */
  generators: string[];
  discriminator: string;
}

/** one stored snapshot of a GAN job's generator */
export interface GanSnapshot {
  step: number;
  /** IS (mean and sd over splits) and FID under the metric classifier */
  is: number;
  isStd: number;
  fid: number;
  /** the generator's weights at this step, a checkpoint in base64 */
  generator: string;
}

/** what a finished GAN job stored */
export interface GanJobResult {
  status: 'completed' | 'diverged';
  error?: string;
  /** the snapshots reached, in step order (a diverged run keeps those before it diverged) */
  snapshots: GanSnapshot[];
  /** mean losses of every period of `every` steps */
  losses: { step: number; dLoss: number; gLoss: number }[];
  realInceptionScore: number;
  channels: number;
  classes: number;
  steps: number;
  seconds: number;
  backend: string;
  ktg: string;
}

/** what a finished distillation job stored (the student's weights are not kept) */
export interface DistillJobResult {
  status: 'completed' | 'diverged';
  error?: string;
  /** the student's test accuracy and training loss after every epoch */
  epochs: DistillEpoch[];
  /** the student's final test accuracy */
  studentAccuracy: number;
  /** gradient conflicts between the teachers' probability / attention losses [teacher][teacher], summed over steps (surgery only) */
  probabilityConflicts: number[][];
  attentionConflicts: number[][];
  steps: number;
  seconds: number;
  backend: string;
  ktg: string;
}

export type JobResult = GraphJobResult | TrialJobResult | CoGanJobResult | GanJobResult | DistillJobResult;

/** one line about a finished job's result: "target 52.34 % (12 s)", "value 0.5234 (12 s)", "diverged: …" */
export function jobResultText(result: unknown): string {
  if (!result) return '';
  const r = result as {
    status?: string;
    error?: string;
    seconds?: number;
    targetAccuracy?: number;
    studentAccuracy?: number;
    value?: number;
    top?: GeneratorPoint;
    snapshots?: GanSnapshot[];
  };
  if (r.status === 'diverged') return `diverged${r.error ? `: ${r.error}` : ''}`;
  const seconds = `(${(r.seconds ?? NaN).toFixed(0)} s)`;
  if (r.snapshots !== undefined) return r.snapshots.map((p) => `IS ${p.is.toFixed(3)} at step ${p.step}`).join(', ') + ` ${seconds}`;
  if (r.top !== undefined) return `best IS ${r.top.is.toFixed(3)} (G${r.top.generator} at step ${r.top.step}) ${seconds}`;
  if (r.studentAccuracy !== undefined) return `student ${(100 * r.studentAccuracy).toFixed(2)} % ${seconds}`;
  if (r.targetAccuracy !== undefined) return `target ${(100 * r.targetAccuracy).toFixed(2)} % ${seconds}`;
  return `value ${(r.value ?? NaN).toFixed(4)} ${seconds}`;
}
