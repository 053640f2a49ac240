import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DivergedError, driveEpochs, learningRateAt } from '../../src/training/epoch_driver';

const optimizer = () => {
  const o = { rates: [] as number[], disposed: 0, setLearningRate: (lr: number) => o.rates.push(lr), dispose: () => void o.disposed++ };
  return o;
};

test('the driver sets the schedule, averages step values per epoch, saves checkpoints and disposes the optimizers', async () => {
  const opt = optimizer();
  const saved: number[] = [];
  const seen: Array<{ epoch: number; step: number }> = [];
  const run = await driveEpochs({
    epochs: 4,
    learningRate: (e) => learningRateAt({ epochs: 4, learningRate: 0.2 }, e),
    optimizers: [opt],
    steps: () => [1, 2, 3],
    step: (item, at) => (seen.push(at), [item, 10 * item]),
    endEpoch: (means, info) => ({ epoch: info.epoch + 1, means, steps: info.steps }),
    checkpoint: { every: 3, save: (e) => saved.push(e) },
  });
  assert.equal(run.status, 'completed');
  assert.equal(run.steps, 12);
  assert.deepEqual(run.history[0], { epoch: 1, means: [2, 20], steps: 3 });
  assert.deepEqual(seen.slice(3, 5), [
    { epoch: 1, step: 3 },
    { epoch: 1, step: 4 },
  ]);
  // cosine from 0.2: 0.2, 0.1707…, 0.1, 0.0292…
  assert.deepEqual(
    opt.rates.map((r) => +r.toFixed(4)),
    [0.2, 0.1707, 0.1, 0.0293],
  );
  assert.deepEqual(saved, [3, 4]);
  assert.equal(opt.disposed, 1);
});

test('"stop" ends the run unless it was the last epoch; abort frees the unused item', async () => {
  const stopAt = async (epoch: number) =>
    driveEpochs({
      epochs: 3,
      optimizers: [],
      steps: () => [0],
      step: () => [0],
      endEpoch: (_m, i) => i.epoch + 1,
      onEpoch: (e) => (e === epoch ? 'stop' : undefined),
    });
  assert.deepEqual(await stopAt(2).then((r) => [r.status, r.history]), ['stopped', [1, 2]]);
  assert.deepEqual(await stopAt(3).then((r) => [r.status, r.history]), ['completed', [1, 2, 3]]);
  const controller = new AbortController();
  const discarded: number[] = [];
  const opt = optimizer();
  const run = await driveEpochs({
    epochs: 2,
    optimizers: [opt],
    steps: () => [1, 2, 3],
    step: (item) => (item === 2 && controller.abort(), [item]),
    discard: (item) => discarded.push(item),
    endEpoch: () => 0,
    signal: controller.signal,
  });
  assert.deepEqual([run.status, run.steps, discarded, opt.disposed], ['aborted', 2, [3], 1]);
});

test('a non-finite step value or a DivergedError ends the run as diverged, naming the value, epoch and step; other errors propagate after disposal', async () => {
  const nan = await driveEpochs({
    epochs: 2,
    optimizers: [],
    steps: () => [0, 1],
    step: (i, at) => [1, at.epoch === 1 && i === 1 ? NaN : 1],
    endEpoch: () => 0,
    describeValue: (i) => `value ${i}`,
  });
  assert.deepEqual([nan.status, nan.error, nan.history.length], ['diverged', 'value 1 became NaN at epoch 2, step 4', 1]);
  const own = await driveEpochs({
    epochs: 1,
    optimizers: [],
    steps: () => [0],
    step: () => {
      throw new DivergedError('edge 2 (2→1, fsp): loss 3e21 exceeds 1000000');
    },
    endEpoch: () => 0,
  });
  assert.deepEqual([own.status, own.error], ['diverged', 'edge 2 (2→1, fsp): loss 3e21 exceeds 1000000']);
  const opt = optimizer();
  await assert.rejects(
    driveEpochs({
      epochs: 1,
      optimizers: [opt],
      steps: () => [0],
      step: () => {
        throw new Error('shape mismatch');
      },
      endEpoch: () => 0,
    }),
    /shape mismatch/,
  );
  assert.equal(opt.disposed, 1);
});
