/**
 * Runs a study's confirmation stage (after its search): its jobs are submitted to the study's
 * storage, the stored ones reused, the rest run by local workers (and by `ktg worker --jobs` on other
 * machines); then the stage is read back.
 */
import { openStorage } from '../search/storage/open';
import { Confirmation, confirmationBatch, confirmationJobs, readConfirmation } from './confirm';
import { runJobs, RunJobsOptions } from './run_jobs';

/** the study's config and trials, read once (the storage closed again) */
async function studyRows(storageUrl: string, study: string) {
  const storage = openStorage(storageUrl, { create: false });
  try {
    const row = await storage.getStudy(study);
    if (!row) throw new Error(`no study "${study}" in ${storage.url}`);
    return { config: row.config, trials: await storage.trials(study) };
  } finally {
    await storage.close();
  }
}

export async function confirmStudy(
  storageUrl: string,
  study: string,
  options: Pick<RunJobsOptions, 'workers' | 'log' | 'signal' | 'leaseMs'> = {},
): Promise<Confirmation> {
  const { config, trials } = await studyRows(storageUrl, study);
  if (!config.confirm) throw new Error(`study "${study}" has no confirmation settings (confirm: { top, seeds })`);
  await runJobs(confirmationJobs(study, config, trials), { ...options, storage: storageUrl, batch: confirmationBatch(study), perJob: false });
  const storage = openStorage(storageUrl, { create: false });
  try {
    return (await readConfirmation(storage, study, config, trials))!;
  } finally {
    await storage.close();
  }
}
