/**
 * The confirmation stage of a study (config.confirm = { top, seeds }): the `top` best completed
 * trials are trained again with `seeds` fresh seeds each, as trial jobs in the study's storage, and
 * the study's best becomes the trial with the best confirmed mean. A search that selects on one
 * noisy run per graph picks the luckiest draw (the winner's curse); the confirmed mean is an
 * estimate of the chosen graph's value that its selection did not see.
 */
import { meanStd } from '../graph/repeat';
import { StoredJob, StudyStorage, TrialRow } from '../search/storage/types';
import { derivedSeed, StudyConfig } from '../search/study_config';
import { jobKey, TrialJob, TrialJobResult } from './job';

export interface ConfirmedTrial {
  number: number;
  /** the trial's value in the search: one run, the one it was selected on */
  searchValue: number;
  /** the fresh seeds, and the objective each gave (NaN: diverged, or not run yet) */
  seeds: number[];
  values: number[];
  /** mean and sample standard deviation over the finite values */
  mean: number;
  std: number;
  /** every seed finished without diverging */
  complete: boolean;
}

export interface Confirmation {
  top: number;
  seeds: number;
  /** the confirmed trials, best search value first */
  trials: ConfirmedTrial[];
  /** the complete trial with the best confirmed mean */
  best?: ConfirmedTrial;
  /** every job of the stage has a result */
  complete: boolean;
}

/** the batch a study's confirmation jobs are stored under */
export const confirmationBatch = (study: string): string => `confirm ${study}`;

/** the trials the stage confirms: the `top` completed ones with the best values (ties: lower number first) */
export function confirmationCandidates(trials: TrialRow[], top: number): TrialRow[] {
  return trials
    .filter((t) => t.status === 'completed' && t.spec && t.value !== undefined && Number.isFinite(t.value))
    .sort((a, b) => b.value! - a.value! || a.number - b.number)
    .slice(0, top);
}

/** the j-th confirmation seed of trial n: derived like trial seeds, never equal to one by construction of the parts */
export function confirmationSeed(study: string, config: Pick<StudyConfig, 'seed' | 'seedGroup'>, trial: number, j: number): number {
  return derivedSeed('confirm', config.seedGroup ?? study, config.seed, trial, j);
}

/** the stage's jobs: one per (candidate trial, seed) */
export function confirmationJobs(study: string, config: StudyConfig, trials: TrialRow[]): { label: string; job: TrialJob }[] {
  const settings = config.confirm;
  if (!settings) return [];
  return confirmationCandidates(trials, settings.top).flatMap((t) =>
    Array.from({ length: settings.seeds }, (_, j) => ({
      label: `${study}: trial ${t.number}, confirmation ${j + 1}/${settings.seeds}`,
      job: {
        kind: 'trial' as const,
        study,
        trial: t.number,
        config: config as unknown as Record<string, unknown>,
        spec: t.spec as StoredJob,
        seed: confirmationSeed(study, config, t.number, j),
      },
    })),
  );
}

/** the stage as far as it is stored (undefined when the study has no confirmation settings) */
export async function readConfirmation(storage: StudyStorage, study: string, config: StudyConfig, trials: TrialRow[]): Promise<Confirmation | undefined> {
  const settings = config.confirm;
  if (!settings) return undefined;
  const jobs = confirmationJobs(study, config, trials);
  const keys = jobs.map((j) => jobKey(j.job));
  const rows = new Map((await storage.jobs({ keys })).map((r) => [r.key, r]));
  const confirmed: ConfirmedTrial[] = confirmationCandidates(trials, settings.top).map((t) => {
    const mine = jobs.map((j, i) => ({ j, key: keys[i] })).filter((x) => x.j.job.trial === t.number);
    const values = mine.map(({ key }) => {
      const row = rows.get(key);
      const result = row?.status === 'completed' ? (row.result as unknown as TrialJobResult) : undefined;
      return result && result.status === 'completed' ? result.value : NaN;
    });
    const finite = values.filter(Number.isFinite);
    return {
      number: t.number,
      searchValue: t.value!,
      seeds: mine.map(({ j }) => j.job.seed),
      values,
      ...meanStd(finite),
      complete: finite.length === values.length,
    };
  });
  const best = confirmed.filter((c) => c.complete).reduce<ConfirmedTrial | undefined>((b, c) => (!b || c.mean > b.mean ? c : b), undefined);
  const complete = keys.every((k) => rows.get(k)?.status === 'completed');
  return { top: settings.top, seeds: settings.seeds, trials: confirmed, best, complete };
}

/** "confirmed best: trial 7, 52.10 ± 0.80 over 3 seeds (search 55.40); trial 12 …" */
export function confirmationText(c: Confirmation, format: (v: number) => string): string {
  if (!c.trials.length) return 'confirmation: no completed trial to confirm';
  const each = c.trials.map((t) => `trial ${t.number} ${format(t.mean)} ± ${format(t.std)} (search ${format(t.searchValue)})`);
  const head = c.best ? `confirmed best: trial ${c.best.number}` : 'confirmation incomplete';
  return `${head} — top ${c.top} on ${c.seeds} fresh seed(s): ${each.join('; ')}`;
}
