/**
 * What a study is: the space, the data, the training budget per trial, the objective and the
 * pruner. Stored with the study so any worker on any machine runs trials the same way.
 */
import { createHash } from 'crypto';
import { z } from 'zod';
import { DEFAULT_TAU } from '../gates/registry';
import { ganSpaceSchema } from '../gan/space';
import { kindConfigProblems } from './kinds/kind_id';
import { upgradeIds } from '../schema/ids';
import { issueLines } from '../schema/issues';
import { augmentationSchema, scheduleSchema } from '../schema/training';
import { searchSpaceSchema } from './space';
import { InputError } from '../input_error';

export const studyConfigSchema = z
  .object({
    /** a knowledge-transfer-graph space, or a gate space over co-trained generators (`kind: "gan"`) */
    space: z.union([ganSpaceSchema, searchSpaceSchema]),
    /** dataset name from the data registry, e.g. "fashion-mnist", "cifar100" */
    dataset: z.string(),
    /** total trials (finished, pruned and failed ones all count) */
    trials: z.number().int().positive(),
    /** seed of the study: trial n samples its graph and trains with a seed derived from it (see trialSeeds) */
    seed: z.number().int().default(0),
    /**
     * how trial n's seed is derived: "hashed" from the study's name (or seedGroup), its seed and n, so
     * two studies never share trial seeds; "legacy" is ktg ≤ 0.1's seed·100000 + n (every study with
     * seed 0 trained trial n alike), kept for the studies stored with it
     */
    trialSeeds: z.enum(['hashed', 'legacy']).default('hashed'),
    /** studies paired on purpose (trial n of each with the same seed) name one group; default: the study's own name */
    seedGroup: z.string().min(1).optional(),
    /** training subset size (0 = the whole training split) */
    trainSize: z.number().int().nonnegative().default(0),
    /** validation split carved out of the training set; the objective is measured there, never on the test set */
    validationSize: z.number().int().positive(),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive().finite().default(0.1),
    schedule: scheduleSchema.default('cosine'),
    milestones: z.array(z.number().int()).default([]),
    weightDecay: z.number().nonnegative().finite().default(5e-4),
    augmentation: augmentationSchema.default('none'),
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
    /**
     * the confirmation stage: after the search, the `top` best completed trials are trained again
     * with `seeds` fresh seeds each (full epochs, same split); the study's best is then the trial with
     * the best confirmed mean, not the luckiest single run
     */
    confirm: z
      .object({
        top: z.number().int().positive(),
        seeds: z.number().int().positive(),
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
  if (problems.length || !parsed.success) throw new InputError(`invalid study settings:\n  - ${problems.join('\n  - ')}`);
  return parsed.data;
}

/** Top-level keys whose values differ (for "the study exists with other settings" errors). */
export function configDifferences(a: StudyConfig, b: StudyConfig): string[] {
  return (Object.keys(a) as (keyof StudyConfig)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/**
 * Parses a config read back from a storage: one stored before trial seeds were hashed (no
 * `trialSeeds` key) keeps the seeds its trials were trained with.
 */
export function parseStoredStudyConfig(stored: unknown): StudyConfig {
  const isObject = typeof stored === 'object' && stored !== null && !Array.isArray(stored);
  return parseStudyConfig(isObject && !Object.prototype.hasOwnProperty.call(stored, 'trialSeeds') ? { ...stored, trialSeeds: 'legacy' } : stored);
}

/** a seed in [0, 2³¹) from the SHA-256 of the parts (stable on every machine) */
export function derivedSeed(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) >>> 1;
}

/** Seed of trial n of a study: its graph sample and its training (any worker anywhere derives the same). */
export function trialSeed(study: string, config: Pick<StudyConfig, 'seed' | 'trialSeeds' | 'seedGroup'>, number: number): number {
  if (config.trialSeeds === 'legacy') return config.seed * 100_000 + number;
  return derivedSeed('trial', config.seedGroup ?? study, config.seed, number);
}
