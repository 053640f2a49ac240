/**
 * Classifier studies (thesis Ch.3–4) and semi-supervised ones (Ch.5): a trial is a knowledge
 * transfer graph sampled from a search space, trained with `trainGraph` (or `trainSemiGraph` on the
 * labelled/unlabelled split), scored on the validation split after every epoch.
 */
import { describeGate } from '../../gates';
import { graphToDot } from '../../graph/dot';
import { describeGraph, GraphSpec, parseGraphSpec } from '../../graph/spec';
import { trainGraph } from '../../graph/trainer';
import { disposeModels, EpochMetrics } from '../../training';
import { trainSemiGraph } from '../../semi/trainer';
import { parseSearchSpace, sampleGraph, SearchSpace, spaceSize } from '../space';
import type { StudyConfig } from '../study_config';
import type { StudyKind, TrialContext, TrialOutcome } from './kind';

/** the objective of one epoch's metrics: the target node's accuracy, or the ensemble node's */
export function objective(config: Pick<StudyConfig, 'metric'>, m: EpochMetrics, target: number): number {
  return config.metric === 'ensemble' ? m.ensembleAccuracy : m.accuracy[target];
}

async function runGraphTrial(spec: GraphSpec, { config, data, seed, signal, record }: TrialContext, semi: boolean): Promise<TrialOutcome> {
  const target = spec.nodes.findIndex((n) => n.role === 'target');
  const onEpoch = (m: EpochMetrics) =>
    record({
      epoch: m.epoch,
      value: objective(config, m, target),
      metrics: { accuracy: m.accuracy, ensembleAccuracy: [m.ensembleAccuracy], nodeLoss: m.nodeLoss, edgeLoss: m.edgeLoss },
      seconds: m.seconds,
    });
  const common = {
    epochs: config.epochs,
    learningRate: config.learningRate,
    schedule: config.schedule,
    milestones: config.milestones,
    weightDecay: config.weightDecay,
    seed,
    signal,
    onEpoch,
  };
  let result;
  if (semi) {
    if (!config.semi || !data.semi) throw new Error('a semi-supervised study needs semi settings and a labelled/unlabelled split');
    result = await trainSemiGraph(
      spec,
      { labelled: data.semi.labelled, unlabelled: data.semi.unlabelled, test: data.validation },
      {
        ...common,
        labelledBatch: config.semi.labelledBatch,
        unlabelledBatch: config.semi.unlabelledBatch,
        emaDecay: config.semi.emaDecay,
        tau: config.semi.tau,
      },
    );
  } else {
    result = await trainGraph(
      spec,
      { train: data.train, test: data.validation },
      { ...common, batchSize: config.batchSize, augmentation: config.augmentation },
    );
  }
  disposeModels(result);
  return { status: result.status, ...(result.error ? { error: result.error } : {}) };
}

function graphKind(id: 'classifier' | 'semi-supervised'): StudyKind<SearchSpace, GraphSpec> {
  return {
    id,
    metrics: ['accuracy', 'ensembleAccuracy', 'nodeLoss', 'edgeLoss'],
    parseSpace: (input) => parseSearchSpace(input),
    size: (space) => spaceSize(space),
    sample: (space, seed, data) => sampleGraph(space, seed, data),
    parseSpec: (stored) => parseGraphSpec(stored),
    prepare: async () => undefined,
    runTrial: (spec, context) => runGraphTrial(spec, context, id === 'semi-supervised'),
    describe: (spec) => describeGraph(spec),
    toDot: (spec, options) => graphToDot(spec, options),
    summary: (spec) => ({
      models: spec.nodes.map((n) => n.model).join(','),
      gates: spec.edges.map((e) => `${e.source}→${e.target}:${describeGate(e.gate)}`).join(' '),
    }),
    specNoun: 'graph spec',
    trainHint: (file, config) => `train it with: ktg train --spec ${file} --dataset ${config.dataset}`,
  };
}

export const classifierKind = graphKind('classifier');
export const semiSupervisedKind = graphKind('semi-supervised');
