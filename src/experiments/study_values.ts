/** What notebooks read from a finished study: a trial's last epoch row, the completed trials' values by trial number. */
import type { StudyData } from '../search/study';
import type { EpochRow, TrialRow } from '../search/storage/types';

/** the trial's row of its last recorded epoch (its final state), or undefined when it has none */
export function lastEpochRow(study: Pick<StudyData, 'epochs'>, trial: Pick<TrialRow, 'number'>): EpochRow | undefined {
  let last: EpochRow | undefined;
  for (const e of study.epochs) if (e.trial === trial.number && (!last || e.epoch > last.epoch)) last = e;
  return last;
}

/** each completed trial's objective value by trial number (trials of paired studies share numbers, seeds and samples) */
export function completedValues(study: Pick<StudyData, 'trials'>): Map<number, number> {
  return new Map(study.trials.filter((t) => t.status === 'completed' && Number.isFinite(t.value)).map((t) => [t.number, t.value as number]));
}

/** two paired studies' completed values, trial by trial over the trial numbers both completed, as a claim's arms */
export function pairedByTrial(better: Pick<StudyData, 'trials'>, baseline: Pick<StudyData, 'trials'>): { better: number[]; baseline: number[] } {
  const [a, b] = [completedValues(better), completedValues(baseline)];
  const common = [...a.keys()].filter((n) => b.has(n)).sort((x, y) => x - y);
  return { better: common.map((n) => a.get(n)!), baseline: common.map((n) => b.get(n)!) };
}
