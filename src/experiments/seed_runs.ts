/** Runs over seeds, the loop every notebook repeats: one run per seed, in order, results in seed order. */
import type { DriverResult } from '../training';

/** `run(seed, index)` for each seed in turn (sequential: runs share the machine); results in seed order */
export async function overSeeds<T>(seeds: readonly number[], run: (seed: number, index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const [i, seed] of seeds.entries()) results.push(await run(seed, i));
  return results;
}

/** a run's last period's metrics (its final state); an error naming the run's status when it has none */
export function finalMetrics<M>(run: Pick<DriverResult<M>, 'history' | 'status' | 'error'>): M {
  const last = run.history[run.history.length - 1];
  if (last === undefined) throw new Error(`the run has no finished epoch (status ${run.status}${run.error ? `: ${run.error}` : ''})`);
  return last;
}
