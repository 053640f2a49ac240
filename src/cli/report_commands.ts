/** `ktg status`, `ktg show`, `ktg best`: read a study back. */
import * as fs from 'fs';
import { kindOf } from '../search/kinds';
import { readStudy, studyProgress } from '../search/study';
import { openStorage } from '../search/storage/open';
import { JobStatus, StudyStorage } from '../search/storage/types';
import { jobResultText } from '../jobs/job';
import { writeJsonFile } from './files';
import { objectiveOf } from '../search/kinds/kind_id';
import { formatValue, table } from './format';

/** the stored jobs: per batch, how many are in each state; with a batch, each job */
async function printJobs(storage: StudyStorage, batch?: string): Promise<void> {
  const jobs = await storage.jobs(batch === undefined ? {} : { batch });
  if (batch !== undefined) {
    if (!jobs.length) throw new Error(`no jobs of batch "${batch}" in ${storage.url}`);
    console.log(
      table(
        ['job', 'state', 'attempt', 'result', 'worker', 'key'],
        jobs.map((j) => [j.label, j.status, String(j.attempt), jobResultText(j.result), j.worker ?? '', j.key.slice(0, 12)]),
      ),
    );
    for (const j of jobs.filter((j) => j.error)) console.log(`${j.label}: ${j.error}`);
    return;
  }
  if (!jobs.length) return;
  const batches = [...new Set(jobs.map((j) => j.batch))];
  const count = (b: string, status: JobStatus) => String(jobs.filter((j) => j.batch === b && j.status === status).length);
  console.log(
    table(
      ['job batch', 'jobs', 'completed', 'failed', 'running', 'waiting'],
      batches.map((b) => [
        b,
        String(jobs.filter((j) => j.batch === b).length),
        count(b, 'completed'),
        count(b, 'failed'),
        count(b, 'running'),
        count(b, 'waiting'),
      ]),
    ),
  );
}

export async function runStatus(o: { storage: string; study?: string; batch?: string }): Promise<void> {
  const storage = openStorage(o.storage, { create: false });
  try {
    if (o.batch !== undefined) return await printJobs(storage, o.batch);
    const studies = o.study ? [await storage.getStudy(o.study)] : await storage.listStudies();
    if (o.study && !studies[0]) throw new Error(`no study "${o.study}" in ${storage.url}`);
    if (!studies.length && !(await storage.jobs()).length) console.log(`no studies or jobs in ${storage.url}`);
    const rows = [];
    for (const s of studies) {
      const p = studyProgress(s!.config, await storage.trials(s!.name));
      rows.push([
        s!.name,
        `${p.finished}/${p.total}`,
        String(p.byStatus.completed),
        String(p.byStatus.pruned),
        String(p.byStatus.failed),
        String(p.byStatus.running),
        `${(100 * p.budgetFraction).toFixed(1)}%`,
        p.best ? `${formatValue(p.best.value)} (trial ${p.best.number})` : '—',
      ]);
    }
    if (rows.length) console.log(table(['study', 'finished', 'completed', 'pruned', 'failed', 'running', 'epochs used', 'best'], rows));
    if (!o.study) await printJobs(storage);
  } finally {
    await storage.close();
  }
}

export async function runShow(o: { storage: string; study: string }): Promise<void> {
  const data = await readStudy(o.storage, o.study);
  const kind = kindOf(data.study.config);
  console.log(
    table(
      ['trial', 'status', 'epochs', 'value', 'attempt', 'models', 'gates'],
      data.trials.map((t) => {
        const summary = t.spec ? kind.summary(kind.parseSpec(t.spec)) : { models: '', gates: '' };
        return [String(t.number), t.status, String(t.lastEpoch ?? 0), formatValue(t.value), String(t.attempt), summary.models, summary.gates];
      }),
    ),
  );
  for (const t of data.trials.filter((t) => t.error)) console.log(`trial ${t.number}: ${t.error}`);
  const c = data.confirmation;
  if (c) {
    const format = objectiveOf(data.study.config).format;
    console.log(`\nconfirmation (top ${c.top}, ${c.seeds} fresh seed(s) each)${c.complete ? '' : ' — not complete: ktg search --study … resumes it'}:`);
    console.log(
      table(
        ['trial', 'search value', 'confirmed mean', 'sd', 'per seed'],
        c.trials.map((t) => [
          `${t.number}${c.best?.number === t.number ? ' (best)' : ''}`,
          format(t.searchValue),
          format(t.mean),
          format(t.std),
          t.values.map((v) => (Number.isFinite(v) ? format(v) : '—')).join(', '),
        ]),
      ),
    );
  }
}

export async function runBest(o: { storage: string; study: string; out?: string; dot?: string }): Promise<void> {
  const data = await readStudy(o.storage, o.study);
  if (!data.best) throw new Error(`study "${o.study}" has no finished trial with a value yet`);
  const kind = kindOf(data.study.config);
  const { trial } = data.best;
  const spec = kind.parseSpec(data.best.spec);
  const objective = objectiveOf(data.study.config);
  const confirmed = data.best.confirmed;
  console.log(
    confirmed
      ? `best trial ${trial.number} by its confirmed mean: ${objective.name} ${objective.format(confirmed.mean)} ± ${objective.format(confirmed.std)} over ${confirmed.values.length} fresh seeds (search value ${objective.format(trial.value)})`
      : `best trial ${trial.number} (${trial.status}, ${trial.lastEpoch} epochs): ${objective.name} ${objective.format(trial.value)}${data.confirmation ? ' — by its search value: the confirmation stage is not complete' : ''}`,
  );
  console.log(kind.describe(spec));
  if (o.out) {
    writeJsonFile(o.out, spec);
    console.log(`${kind.specNoun} written to ${o.out} (${kind.trainHint(o.out, data.study.config)})`);
  }
  if (o.dot) {
    fs.writeFileSync(o.dot, kind.toDot(spec, { title: `${o.study}: trial ${trial.number}` }));
    console.log(`diagram written to ${o.dot}`);
  }
}
