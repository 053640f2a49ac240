/**
 * The one training loop every trainer runs (knowledge transfer graphs, semi-supervised graphs,
 * multi-teacher distillation, single GANs, co-trained GANs). A trainer gives its steps and its
 * step function; the driver owns what they all share: the learning-rate schedule set on every
 * optimizer before each epoch, yielding to the event loop between steps, the abort signal, per-epoch
 * means of the step values, non-finite values → `diverged`, the per-epoch metrics and the
 * `onEpoch` → "stop" answer, checkpoints, and disposing the optimizers whatever happens.
 */

/** lets timers (heartbeats, progress bars) and signal handlers run between training steps */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A training loss that became NaN or infinite, or an edge loss above the trainer's bound. */
export class DivergedError extends Error {}

export type TrainStatus = 'completed' | 'diverged' | 'stopped' | 'aborted';

export interface LearningRateSchedule {
  learningRate?: number;
  schedule?: 'cosine' | 'step' | 'constant';
  /** step schedule: epochs at which lr is divided by 10 */
  milestones?: number[];
  epochs: number;
}

/** lr of an epoch: cosine (default) from `learningRate` (default 0.1), step (÷10 at milestones) or constant */
export function learningRateAt(options: LearningRateSchedule, epoch: number): number {
  const base = options.learningRate ?? 0.1;
  const schedule = options.schedule ?? 'cosine';
  if (schedule === 'constant') return base;
  if (schedule === 'step') return base * 0.1 ** (options.milestones ?? []).filter((m) => epoch >= m).length;
  return 0.5 * base * (1 + Math.cos((Math.PI * epoch) / options.epochs));
}

/** what the driver needs of an optimizer */
export interface DrivenOptimizer {
  setLearningRate?(lr: number): void;
  dispose(): void;
}

export interface EpochInfo {
  /** 0-based epoch */
  epoch: number;
  learningRate: number;
  /** steps run in this epoch */
  steps: number;
  /** wall time of the epoch's steps and its evaluation */
  seconds: number;
}

export interface EpochDriver<Item, Metrics> {
  epochs: number;
  /** per-epoch learning rate (default: the optimizers keep theirs) */
  learningRate?: (epoch: number) => number;
  optimizers: DrivenOptimizer[];
  /** the epoch's steps, e.g. its mini-batches */
  steps: (epoch: number) => Iterable<Item>;
  /**
   * One step; returns the values whose epoch means `endEpoch` receives (e.g. per-edge losses). A
   * non-finite value ends the run as diverged; a step may also throw DivergedError with its own message.
   */
  step: (item: Item, at: { epoch: number; step: number }) => number[] | Promise<number[]>;
  /** frees an item the driver will not run (after an abort) */
  discard?: (item: Item) => void;
  /** the epoch's metrics (after evaluating), from the means of its step values */
  endEpoch: (means: number[], info: EpochInfo) => Metrics | Promise<Metrics>;
  /** after each epoch; "stop" ends training (status "stopped") unless it was the last epoch */
  onEpoch?: (metrics: Metrics) => void | 'stop' | Promise<void | 'stop'>;
  /** save state after every `every` epochs (default: only the last) */
  checkpoint?: { every?: number; save: (epochsDone: number) => void };
  signal?: AbortSignal;
  /** names the step in divergence messages (default "loss") */
  describeValue?: (index: number) => string;
}

export interface DriverResult<Metrics> {
  status: TrainStatus;
  history: Metrics[];
  /** why the run diverged */
  error?: string;
  /** steps run in all */
  steps: number;
}

/**
 * What every trainer returns: how the run ended, the metrics of each period (an epoch; a GAN's
 * `every` steps) and the models it trained (owned by the caller). Trainers add their own fields.
 */
export interface RunResult<Metrics, Models> extends DriverResult<Metrics> {
  models: Models;
}

/** the per-period callback every trainer takes: after each period, with its metrics; "stop" ends the run (status "stopped") */
export type OnEpoch<Metrics, Extra extends unknown[] = []> = (metrics: Metrics, ...extra: Extra) => void | 'stop' | Promise<void | 'stop'>;

/** Runs the loop. Errors other than divergence propagate (after the optimizers are disposed). */
export async function driveEpochs<Item, Metrics>(d: EpochDriver<Item, Metrics>): Promise<DriverResult<Metrics>> {
  const history: Metrics[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < d.epochs; epoch++) {
      const t0 = Date.now();
      const lr = d.learningRate?.(epoch) ?? NaN;
      if (d.learningRate) for (const o of d.optimizers) o.setLearningRate?.(lr);
      let sums: number[] = [];
      let count = 0;
      for (const item of d.steps(epoch)) {
        await yieldToEventLoop();
        if (d.signal?.aborted) {
          d.discard?.(item);
          return { status: 'aborted', history, steps: step };
        }
        const values = await d.step(item, { epoch, step });
        const bad = values.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new DivergedError(`${d.describeValue?.(bad) ?? 'loss'} became ${values[bad]} at epoch ${epoch + 1}, step ${step + 1}`);
        if (!sums.length) sums = new Array<number>(values.length).fill(0);
        values.forEach((v, i) => (sums[i] += v));
        count++;
        step++;
      }
      const metrics = await d.endEpoch(
        sums.map((s) => s / Math.max(count, 1)),
        { epoch, learningRate: lr, steps: count, seconds: (Date.now() - t0) / 1000 },
      );
      history.push(metrics);
      const every = d.checkpoint?.every;
      if (d.checkpoint && ((every && (epoch + 1) % every === 0) || epoch + 1 === d.epochs)) d.checkpoint.save(epoch + 1);
      if ((await d.onEpoch?.(metrics)) === 'stop' && epoch + 1 < d.epochs) return { status: 'stopped', history, steps: step };
    }
  } catch (err) {
    if (err instanceof DivergedError) return { status: 'diverged', history, error: err.message, steps: step };
    throw err;
  } finally {
    for (const o of d.optimizers) o.dispose();
  }
  return { status: 'completed', history, steps: step };
}
