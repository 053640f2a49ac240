/**
 * Runs one trial job in this process: the study's kind trains the trial's spec with the job's seed on
 * the study's search split, every epoch reporting the study's objective on the validation part — the
 * trial as the search ran it, with another seed and without pruning.
 */
import { backendText } from './result_kit';
import { AnyStudyKind, kindOf, SearchData } from '../search/kinds';
import { parseStoredStudyConfig, StudyConfig } from '../search/study_config';
import { loadSearchData } from '../search/worker';
import { KTG_VERSION, TrialJob, TrialJobResult } from './job';

/** per process: the search data and the kind's preparation (e.g. the GAN metric classifier) of a study config */
const prepared = new Map<string, Promise<{ data: SearchData; kind: AnyStudyKind; prepared: unknown }>>();

function studySetup(config: StudyConfig): Promise<{ data: SearchData; kind: AnyStudyKind; prepared: unknown }> {
  const id = JSON.stringify(config);
  if (!prepared.has(id))
    prepared.set(
      id,
      (async () => {
        const data = await loadSearchData(config);
        const kind = kindOf(config);
        return { data, kind, prepared: await kind.prepare(config, data) };
      })(),
    );
  return prepared.get(id)!;
}

/** the job's result, or "aborted" when the signal ended it (nothing to store) */
export async function runTrialJob(
  job: TrialJob,
  options: { signal?: AbortSignal; onEpoch?: (epoch: number, value: number) => void } = {},
): Promise<TrialJobResult | 'aborted'> {
  const config = parseStoredStudyConfig(job.config);
  const setup = await studySetup(config);
  const spec = setup.kind.parseSpec(job.spec);
  const epochs: TrialJobResult['epochs'] = [];
  const t0 = Date.now();
  const outcome = await setup.kind.runTrial(
    spec,
    {
      config,
      data: setup.data,
      seed: job.seed,
      signal: options.signal,
      record: async (r) => {
        epochs.push({ epoch: r.epoch, value: r.value, metrics: r.metrics });
        options.onEpoch?.(r.epoch, r.value);
      },
    },
    setup.prepared,
  );
  if (outcome.status === 'aborted') return 'aborted';
  return {
    status: outcome.status === 'diverged' ? 'diverged' : 'completed',
    ...(outcome.error ? { error: outcome.error } : {}),
    value: epochs.length ? epochs[epochs.length - 1].value : NaN,
    epochs,
    seconds: (Date.now() - t0) / 1000,
    backend: backendText(),
    ktg: KTG_VERSION,
  };
}
