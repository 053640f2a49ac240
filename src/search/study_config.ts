/**
 * What a study is: the space, the data, the training budget per trial, the objective and the
 * pruner. Stored with the study so any worker on any machine runs trials the same way.
 */
import { z } from 'zod';
import { DEFAULT_TAU } from '../gates/registry';
import { ganSpaceSchema } from '../gan/space';
import { kindConfigProblems } from './kinds/kind_id';
import { upgradeIds } from '../schema/ids';
import { issueLines } from '../schema/issues';
import { searchSpaceSchema } from './space';

export const studyConfigSchema = z
  .object({
    /** a knowledge-transfer-graph space, or a gate space over co-trained generators (`kind: "gan"`) */
    space: z.union([ganSpaceSchema, searchSpaceSchema]),
    /** dataset name from the data registry, e.g. "fashion-mnist", "cifar100" */
    dataset: z.string(),
    /** total trials (finished, pruned and failed ones all count) */
    trials: z.number().int().positive(),
    /** seed of the study: trial n samples its graph and trains with seed + n */
    seed: z.number().int().default(0),
    /** training subset size (0 = the whole training split) */
    trainSize: z.number().int().nonnegative().default(0),
    /** validation split carved out of the training set; the objective is measured there, never on the test set */
    validationSize: z.number().int().positive(),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive().finite().default(0.1),
    schedule: z.enum(['cosine', 'step', 'constant']).default('cosine'),
    milestones: z.array(z.number().int()).default([]),
    weightDecay: z.number().nonnegative().finite().default(5e-4),
    augmentation: z.enum(['none', 'weak', 'strong']).default('none'),
    /** objective: accuracy of the target node, of the ensemble node (mean of all nodes' logits), or for GAN studies the best Inception Score of any generator */
    metric: z.enum(['target', 'ensemble', 'best-is']).default('target'),
    /** semi-supervised studies (thesis Ch.5): labelled images (class-balanced) out of the training part; the rest is unlabelled */
    semi: z
      .object({
        labelled: z.number().int().positive(),
        labelledBatch: z.number().int().positive(),
        unlabelledBatch: z.number().int().positive(),
        emaDecay: z.number().min(0).max(1).default(0.999),
        tau: z.number().gt(0).lt(1).default(DEFAULT_TAU),
      })
      .strict()
      .optional(),
    /**
     * GAN studies (paper 003 §4.3): an "epoch" is `stepsPerEpoch` co-training steps (batch = batchSize),
     * after which `samples` images per generator are scored with the dataset's metric classifier
     * (IS against it; FID against the validation images). learningRate/schedule above are unused.
     */
    gan: z
      .object({
        imageSize: z.union([z.literal(28), z.literal(32), z.literal(64)]).optional(),
        zDim: z.number().int().positive().default(100),
        baseWidth: z.number().int().positive().default(64),
        norm: z.enum(['spectral', 'batch']).default('spectral'),
        stepsPerEpoch: z.number().int().positive(),
        learningRate: z.number().positive().finite().default(2e-4),
        samples: z.number().int().min(10).default(1000),
        metricModel: z.string().default('cnn16'),
        metricEpochs: z.number().int().positive().default(4),
      })
      .strict()
      .optional(),
    pruner: z
      .object({
        kind: z.enum(['asha', 'none']).default('asha'),
        minResource: z.number().int().positive().default(1),
        reductionFactor: z.number().min(2).default(2),
        minEarlyStoppingRate: z.number().int().nonnegative().default(0),
        bootstrapCount: z.number().int().nonnegative().default(0),
      })
      .strict()
      .default({}),
  })
  .strict();

export type StudyConfig = z.infer<typeof studyConfigSchema>;

export type StudyConfigInput = z.input<typeof studyConfigSchema>;

export function parseStudyConfig(input: unknown): StudyConfig {
  // study files written before ids became kebab-case (e.g. gates: ["negativeLinear"]) still load
  const parsed = studyConfigSchema.safeParse(upgradeIds(input));
  const problems = parsed.success ? kindConfigProblems(parsed.data) : issueLines(studyConfigSchema, parsed.error, 'study');
  if (problems.length || !parsed.success) throw new Error(`invalid study settings:\n  - ${problems.join('\n  - ')}`);
  return parsed.data;
}

/** Top-level keys whose values differ (for "the study exists with other settings" errors). */
export function configDifferences(a: StudyConfig, b: StudyConfig): string[] {
  return (Object.keys(a) as (keyof StudyConfig)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Seed of trial n: its graph sample and its training. */
export function trialSeed(config: Pick<StudyConfig, 'seed'>, number: number): number {
  return config.seed * 100_000 + number;
}
