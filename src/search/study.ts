/**
 * Studies as a user sees them: create or resume one, and read one back as plain rows (one call,
 * ready for plotting in a notebook).
 */
import { datasets } from '../data/registry';
import { openStorage } from './storage/open';
import { EpochRow, StoredSpec, StudyRow, StudyStorage, TrialRow, TrialStatus } from './storage/types';
import { parseAnySpace } from './kinds';
import { loadSearchData, SearchData } from './worker';
import { configDifferences, parseStudyConfig, StudyConfig, StudyConfigInput } from './study_config';
import { Confirmation, ConfirmedTrial, readConfirmation } from '../jobs/confirm';

/** Creates the study, or checks that an existing one has the same settings (to resume it). */
/**
 * How trials that ktg ≤ 0.2 recorded as failed when the storage failed (Redis unreachable, a full
 * disk) can be told apart: their error is the storage's, not the training's. Since then a storage
 * fault never fails a trial (the worker waits for the storage), so every other failure is the trial's own.
 */
const STORAGE_FAILURE =
  /^(SqliteError|StorageFault):|study storage \S+: |cannot reach Redis at|Reached the max retries per request limit|database or disk is full|SQLITE_[A-Z]+/;

/** puts the trials that failed because of the storage back in the queue; returns their numbers */
export async function requeueStorageFailures(storage: StudyStorage, name: string): Promise<number[]> {
  const requeued: number[] = [];
  for (const t of await storage.trials(name))
    if (t.status === 'failed' && t.error && STORAGE_FAILURE.test(t.error) && (await storage.requeueTrial(name, t.number))) requeued.push(t.number);
  return requeued;
}

export async function createOrResumeStudy(
  storage: StudyStorage,
  name: string,
  input: StudyConfigInput,
): Promise<{ study: StudyRow; resumed: boolean; requeued?: number[] }> {
  const config = parseStudyConfig({ ...input, space: parseAnySpace(input.space) });
  if (!datasets[config.dataset]) throw new Error(`unknown dataset "${config.dataset}"; known: ${Object.keys(datasets).join(', ')}`);
  const join = (existing: StudyRow) => {
    const diff = configDifferences(existing.config, config);
    if (diff.length)
      throw new Error(
        `study "${name}" already exists in ${storage.url} with different ${diff.join(', ')}; resume it without changing them, or choose another study name`,
      );
    return { study: existing, resumed: true };
  };
  const existing = await storage.getStudy(name);
  if (existing) {
    const joined = join(existing);
    return { ...joined, requeued: await requeueStorageFailures(storage, name) };
  }
  await checkStudyAgainstData(config);
  // creation is atomic: a process that lost a race for the name joins the winner's study, or is refused if its settings differ
  const { created, ...study } = await storage.createStudy(name, config);
  return created ? { study, resumed: false } : join(study);
}

/**
 * Every size setting checked against the dataset before a study is written, so that a bad setting
 * never leaves a study behind that can never run under its name.
 */
export async function checkStudyAgainstData(config: StudyConfig): Promise<void> {
  let data: SearchData;
  try {
    data = await loadSearchData(config);
  } catch (err) {
    throw new Error(`study settings do not fit ${config.dataset}: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  const trainImages = data.semi ? data.semi.labelled.labels.length : data.train.labels.length;
  if (config.batchSize > trainImages)
    problems.push(`batchSize ${config.batchSize} is larger than the ${trainImages} training images of a trial: no step would run`);
  if (config.semi && data.semi) {
    if (config.semi.labelledBatch > data.semi.labelled.labels.length)
      problems.push(`semi.labelledBatch ${config.semi.labelledBatch} exceeds the ${data.semi.labelled.labels.length} labelled images`);
    if (config.semi.unlabelledBatch > data.semi.unlabelled.labels.length)
      problems.push(`semi.unlabelledBatch ${config.semi.unlabelledBatch} exceeds the ${data.semi.unlabelled.labels.length} unlabelled images`);
  }
  if (problems.length) throw new Error(`study settings do not fit ${config.dataset}: ${problems.join('; ')}`);
}

export interface StudyProgress {
  total: number;
  byStatus: Record<TrialStatus, number>;
  finished: number;
  best?: TrialRow;
  /** epochs trained by all trials / (trials × epochs): the share of a plain random search's budget */
  budgetFraction: number;
}

const emptyCounts = (): Record<TrialStatus, number> => ({ waiting: 0, running: 0, completed: 0, pruned: 0, failed: 0 });

/** The best trial: highest final value among completed trials, else among all trials with a value. */
export function bestTrial(trials: TrialRow[]): TrialRow | undefined {
  const valued = (rows: TrialRow[]) => rows.filter((t) => t.value !== undefined && Number.isFinite(t.value));
  const completed = valued(trials.filter((t) => t.status === 'completed'));
  const pool = completed.length ? completed : valued(trials.filter((t) => t.status === 'pruned'));
  return pool.reduce<TrialRow | undefined>((best, t) => (!best || t.value! > best.value! ? t : best), undefined);
}

export function studyProgress(config: StudyConfig, trials: TrialRow[]): StudyProgress {
  const byStatus = emptyCounts();
  for (const t of trials) byStatus[t.status]++;
  const epochs = trials.reduce((s, t) => s + (t.lastEpoch ?? 0), 0);
  return {
    total: config.trials,
    byStatus,
    finished: byStatus.completed + byStatus.pruned + byStatus.failed,
    best: bestTrial(trials),
    budgetFraction: epochs / (config.trials * config.epochs),
  };
}

export interface StudyData {
  study: StudyRow;
  trials: TrialRow[];
  epochs: EpochRow[];
  progress: StudyProgress;
  /**
   * the study's best: once a confirmation stage is complete, the trial with the best confirmed mean;
   * else the trial with the best search value. Read its spec with `asGraphSpec` / `asCoGanSpec`.
   */
  best?: { trial: TrialRow; spec: StoredSpec; confirmed?: ConfirmedTrial };
  /** the trial with the best search value (one run each) */
  searchBest?: { trial: TrialRow; spec: StoredSpec };
  /** the confirmation stage as far as it ran (studies with `confirm` settings) */
  confirmation?: Confirmation;
}

/** Everything about a study as plain rows: `await readStudy('sqlite:studies/ktg.db', 'ch3')`. */
export async function readStudy(storageOrUrl: StudyStorage | string, name: string): Promise<StudyData> {
  const storage = typeof storageOrUrl === 'string' ? openStorage(storageOrUrl, { create: false }) : storageOrUrl;
  try {
    const study = await storage.getStudy(name);
    if (!study) {
      const known = (await storage.listStudies()).map((s) => s.name);
      throw new Error(`no study "${name}" in ${storage.url}${known.length ? ` (studies there: ${known.join(', ')})` : ' (it holds no studies)'}`);
    }
    const trials = await storage.trials(name);
    const epochs = await storage.epochs(name);
    const progress = studyProgress(study.config, trials);
    const searchBest = progress.best?.spec ? { trial: progress.best, spec: progress.best.spec } : undefined;
    const confirmation = await readConfirmation(storage, name, study.config, trials);
    const confirmed = confirmation?.complete ? confirmation.best : undefined;
    const confirmedTrial = confirmed && trials.find((t) => t.number === confirmed.number);
    const best = confirmedTrial?.spec ? { trial: confirmedTrial, spec: confirmedTrial.spec, confirmed } : searchBest;
    return { study, trials, epochs, progress, best, searchBest, confirmation };
  } finally {
    if (typeof storageOrUrl === 'string') await storage.close();
  }
}
