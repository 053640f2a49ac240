/**
 * One call for notebooks and scripts: create (or resume) a study, run it with local worker
 * processes, confirm its best trials on fresh seeds (when the config has `confirm`), and read it
 * back as plain rows.
 */
import { runLocalWorkers } from './local_pool';
import { createOrResumeStudy, readStudy, StudyData } from './study';
import { objectiveOf } from './kinds/kind_id';
import { parseStudyConfig, StudyConfigInput } from './study_config';
import { openStorage } from './storage/open';
import { WorkerEvent } from './worker';
import { confirmStudy } from '../jobs/run_confirm';
import { confirmationText } from '../jobs/confirm';

export interface RunSearchOptions {
  storage: string;
  study: string;
  config: StudyConfigInput;
  /** local worker processes (default: cores) */
  workers?: number;
  /** print a line per finished trial (default true) */
  log?: boolean;
  onEvent?: (worker: number, e: WorkerEvent) => void;
}

export async function runSearch(options: RunSearchOptions): Promise<StudyData & { seconds: number }> {
  const storage = openStorage(options.storage);
  try {
    await createOrResumeStudy(storage, options.study, options.config);
  } finally {
    await storage.close();
  }
  const objective = objectiveOf(parseStudyConfig(options.config));
  const t0 = Date.now();
  const result = await runLocalWorkers({
    storageUrl: options.storage,
    study: options.study,
    workers: options.workers,
    onEvent: (w, message) => {
      const e = message as WorkerEvent;
      if (options.log !== false && e.kind === 'trial-finished')
        console.log(
          `  ${options.study}: trial ${e.number} ${e.status} after ${e.epochs} epoch(s)${e.value !== undefined ? ` — ${objective.format(e.value)}` : ''}${e.error ? ` (${e.error})` : ''}`,
        );
      options.onEvent?.(w, e);
    },
  });
  const crashed = result.exitCodes.filter((c) => c !== 0);
  if (crashed.length) throw new Error(`search "${options.study}": ${crashed.length} worker(s) exited with ${crashed.join(', ')}`);
  if (parseStudyConfig(options.config).confirm) {
    const c = await confirmStudy(options.storage, options.study, { workers: options.workers, log: options.log === false ? false : undefined });
    if (options.log !== false) console.log(`  ${options.study}: ${confirmationText(c, objective.format)}`);
  }
  return { ...(await readStudy(options.storage, options.study)), seconds: (Date.now() - t0) / 1000 };
}
