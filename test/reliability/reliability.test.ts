/**
 * Bad inputs and faults, each as a quick test: every one must end in a clear error (naming the key,
 * node, edge, file or URL) or a correct result — never a silent default, a `completed` run that
 * trained nothing, a half-loaded model, or a crash outside the caller's try/catch.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { loadImageFolder, stratifiedSubset } from '../../src/data';
import { parseGanGraphSpec } from '../../src/graph/spec';
import { parseGanSpace } from '../../src/gan/space';
import { GraphSpecError, parseGraphSpec, trainGraph } from '../../src/graph';
import { loadCheckpoint, saveCheckpoint } from '../../src/models/checkpoint';
import { build } from '../../src/models/model';
import { createModel } from '../../src/models/registry';
import { defaultAsha, promotable } from '../../src/search/asha';
import { parseSearchSpace } from '../../src/search/space';
import { createOrResumeStudy, readStudy } from '../../src/search/study';
import { parseStudyConfig } from '../../src/search/study_config';
import { openStorage } from '../../src/search/storage/open';
import { toyData } from '../helpers/toy_data';
import { temporaryDir } from '../../src/data/temporary';

before(async () => initBackend({ backend: 'cpu', quiet: true }));

const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number] };
/** a 2-node graph whose third edge (2→1) is `edge`; typed loosely on purpose (bad inputs are the point) */
const twoNodes = (edge: Record<string, unknown>): never =>
  ({
    ...base,
    nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn16' }],
    edges: [
      { source: 0, target: 1, loss: 'ce' },
      { source: 0, target: 2, loss: 'ce' },
      { source: 2, target: 1, ...edge },
    ],
  }) as never;
const tmp = (what: string) => temporaryDir(`rel-${what}`);
const data = { train: toyData(64, 1), test: toyData(32, 2) };

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(!(err instanceof TypeError), `a TypeError leaked: ${(err as Error).message}`);
    return (err as Error).message;
  }
  return assert.fail('expected an error');
}

describe('strict schemas: unknown keys are errors that suggest the known key', () => {
  it('graph specs: gaet, los, rol, tua', () => {
    const text = problemsOf(() =>
      parseGraphSpec({
        ...base,
        nodes: [
          { model: 'cnn8', rol: 'target' },
          { model: 'cnn16', role: 'target' },
        ],
        edges: [{ source: 2, target: 1, los: 'kd', gaet: { name: 'threshold', tua: 0.5 } }],
      }),
    );
    assert.match(text, /nodes\.0: unknown key "rol" \(did you mean "role"\?\)/);
    assert.match(text, /edges\.0: unknown key "los" \(did you mean "loss"\?\)/);
    assert.match(text, /edges\.0: unknown key "gaet" \(did you mean "gate"\?\)/);
    const gate = problemsOf(() =>
      parseGraphSpec({ ...base, nodes: [{ model: 'cnn8', role: 'target' }], edges: [{ source: 0, target: 1, gate: { name: 'threshold', tua: 0.5 } }] }),
    );
    assert.match(gate, /edges\.0\.gate: unknown key "tua" \(did you mean "tau"\?\)/);
    const name = problemsOf(() =>
      parseGraphSpec({ ...base, nodes: [{ model: 'cnn8', role: 'target' }], edges: [{ source: 0, target: 1, gate: { name: 'throug' } }] }),
    );
    assert.match(name, /"throug" is not one of .* \(did you mean "through"\?\)/);
  });

  it('search spaces, GAN spaces, study files', () => {
    assert.match(
      problemsOf(() => parseSearchSpace({ nodes: [{ models: ['cnn8'], role: 'target' }], gaets: ['through'] })),
      /space: unknown key "gaets" \(did you mean "gates"\?\)/,
    );
    assert.match(
      problemsOf(() => parseGanSpace({ kind: 'gan', generators: 2, gates: ['through'], trasnfers: ['images'] })),
      /unknown key "trasnfers" \(did you mean "transfers"\?\)/,
    );
    const config = {
      space: { nodes: [{ models: ['cnn8'], role: 'target' }], gates: ['through'] },
      dataset: 'fashion-mnist',
      trials: 2,
      validationSize: 100,
      epochs: 1,
      batchSize: 8,
    };
    assert.match(
      problemsOf(() => parseStudyConfig({ ...config, pruner: { reductionFactr: 3 } })),
      /pruner: unknown key "reductionFactr" \(did you mean "reductionFactor"\?\)/,
    );
    assert.match(
      problemsOf(() => parseStudyConfig({ ...config, epochz: 3 })),
      /unknown key "epochz" \(did you mean "epochs"\?\)/,
    );
  });

  it('GAN graphs: unknown loss, sine f = 2, missing edges, wrong loss for the edge, generator without its adversarial edge; old co-GAN specs too', () => {
    const through = { name: 'through' };
    const adversarial = [1, 2].map((t) => ({ source: 0, target: t, loss: 'adversarial', gate: through }));
    const graph = (edges: unknown[]) => ({ kind: 'gan', nodes: [{ model: 'dcgan' }, { model: 'dcgan' }], edges });
    const edge = { source: 1, target: 2, loss: 'images', gate: through };
    assert.match(
      problemsOf(() => parseGanGraphSpec(graph([...adversarial, { ...edge, loss: 'imagez' }]))),
      /edges\.2\.loss: "imagez" is not one of .*\(did you mean "images"\?\)/,
    );
    assert.match(
      problemsOf(() => parseGanGraphSpec(graph([...adversarial, { ...edge, gate: { name: 'sine', f: 2, phi: 0 } }]))),
      /edge 2 \(1→2, images\): sine frequency f must be in \[0, 1\], got 2/,
    );
    assert.match(
      problemsOf(() => parseGanGraphSpec({ kind: 'gan', nodes: [{ model: 'dcgan' }] })),
      /edges: Required/,
    );
    assert.match(
      problemsOf(() => parseGanGraphSpec(graph([...adversarial, { ...edge, loss: 'kl' }]))),
      /edge 2 \(1→2, kl\): an edge between generators carries a transfer loss/,
    );
    assert.match(
      problemsOf(() => parseGanGraphSpec(graph([adversarial[0], { ...edge, source: 0 }]))),
      /edge 1 \(0→2, images\): an edge from node 0 \(the discriminator\) carries the loss "adversarial"/,
    );
    assert.match(
      problemsOf(() => parseGanGraphSpec(graph([adversarial[0], edge]))),
      /node 2 \(dcgan generator\): no edge 0→2 with its adversarial loss/,
    );
    // the co-GAN spec of older studies: its own mistakes still name the place
    assert.match(
      problemsOf(() => parseGanGraphSpec({ generators: 2, edges: [{ source: 1, target: 2, kind: 'imagez', gate: through }] })),
      /edges\.2\.loss: "imagez"/,
    );
    assert.match(
      problemsOf(() => parseGanGraphSpec({ generators: 2, adversarialGates: [through], edges: [] })),
      /adversarialGates: needs 2 gates, got 1/,
    );
    // a classifier graph names the other kind's losses
    assert.match(
      problemsOf(() =>
        parseGraphSpec({
          numClasses: 10,
          inputShape: [8, 8, 1],
          nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn8' }],
          edges: [{ source: 2, target: 1, loss: 'images' }],
        }),
      ),
      /edge 0 \(2→1, cnn8\): loss "images" is a GAN graph's/,
    );
  });
});

describe('numbers and sizes are checked before training', () => {
  it('non-finite temperature and learning rate', async () => {
    assert.match(
      problemsOf(() => parseGraphSpec(twoNodes({ loss: 'kd', temperature: 1e999 }))),
      /edges\.2\.temperature: Number must be finite/,
    );
    const spec = twoNodes({ loss: 'kl' });
    await assert.rejects(
      trainGraph(spec, data, { epochs: 1, batchSize: 16, learningRate: Infinity }),
      /learningRate must be a finite number ≥ 0, got Infinity/,
    );
    await assert.rejects(trainGraph(spec, data, { epochs: 1, batchSize: 16, learningRate: NaN }), /learningRate must be a finite number/);
  });

  it('a run that could make no optimisation step is refused, never "completed"', async () => {
    const spec = twoNodes({ loss: 'kl' });
    await assert.rejects(
      trainGraph(spec, data, { epochs: 1, batchSize: 1000 }),
      /batchSize 1000 is larger than the training set \(64 images\): no optimisation step would run/,
    );
    await assert.rejects(
      trainGraph(spec, { train: toyData(5, 3), test: data.test }, { epochs: 1, batchSize: 32 }),
      /larger than the training set \(5 images\)/,
    );
    await assert.rejects(trainGraph(spec, data, { epochs: 0, batchSize: 16 }), /epochs must be a positive integer, got 0/);
  });

  it('graphs above the documented node cap are refused at parse time', () => {
    const nodes = Array.from({ length: 200 }, (_, i) => ({ model: 'cnn4', role: i === 0 ? 'target' : 'auxiliary' }));
    assert.match(
      problemsOf(() => parseGraphSpec({ ...base, nodes, edges: [] })),
      /nodes: at most 16 model nodes/,
    );
  });

  it('edge losses between incompatible feature maps fail before the first step, naming the edge, and free the models', async () => {
    const before = tf.memory().numTensors;
    await assert.rejects(trainGraph(twoNodes({ loss: 'fsp' }), data, { epochs: 1, batchSize: 16 }), (err: Error) => {
      assert.ok(err instanceof GraphSpecError);
      assert.match(err.message, /edge 2 \(2→1, fsp\): FSP needs equal stage shapes: stage 1 is 8×8×16 vs 8×8×8/);
      return true;
    });
    assert.equal(tf.memory().numTensors, before, 'the models of the failed run leaked');
  });

  it('an edge loss above the threshold ends the run as "diverged" naming the edge, epoch and step', async () => {
    const result = await trainGraph(twoNodes({ loss: 'kl' }), data, { epochs: 1, batchSize: 16, maxEdgeLoss: 0.01 });
    assert.equal(result.status, 'diverged');
    assert.match(result.error ?? '', /^edge 0 \(0→1, ce\): loss [0-9.]+ exceeds 0\.01 at epoch 1, step 1$/);
    for (const m of result.models) m.params.dispose();
  });

  it('exploding losses end as "diverged" naming the edge', async () => {
    const result = await trainGraph(twoNodes({ loss: 'kl' }), data, { epochs: 2, batchSize: 16, learningRate: 1e4, schedule: 'constant' });
    assert.equal(result.status, 'diverged');
    assert.match(
      result.error ?? '',
      /edge \d \(\d→\d, (ce|kl)\): loss (NaN|Infinity|-Infinity|[0-9.e+]+) (is not finite|exceeds 1000000) at epoch \d, step \d+/,
    );
    for (const m of result.models) m.params.dispose();
  });
});

type CheckpointHeader = { sha256?: string; variables: Array<{ name: string; offset: number; shape: number[] }> };

/** a checkpoint with its header edited, its hash recomputed (as a buggy writer would) or left as it was */
function edited(bytes: Buffer, edit: (h: CheckpointHeader) => void, rehash: boolean): Buffer {
  const newline = bytes.indexOf(10);
  const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as CheckpointHeader;
  const body = bytes.subarray(newline + 1);
  edit(header);
  if (rehash) {
    delete header.sha256;
    header.sha256 = createHash('sha256')
      .update(`${JSON.stringify(header)}\n`)
      .update(body)
      .digest('hex');
  }
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body]);
}

describe('files: archives and checkpoints', () => {
  it('a truncated image .tar.gz is a catchable rejection naming the file', async () => {
    const file = path.join(tmp('tar'), 'cut.tar.gz');
    fs.writeFileSync(file, fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'cifar10-jpeg.tar.gz')).subarray(0, 200_000));
    await assert.rejects(
      loadImageFolder(file, ['train', 'test'], { shape: [32, 32, 3] }),
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unexpected end of file \\(truncated or corrupt archive\\)`),
    );
  });

  it('a truncated, padded or corrupted checkpoint is refused by name before any variable changes', () => {
    const dir = tmp('ckpt');
    const file = path.join(dir, 'm.ckpt');
    const source = build(createModel('cnn4', { ...base, seed: 1 }));
    saveCheckpoint(source, file);
    const target = build(createModel('cnn4', { ...base, seed: 2 }));
    const snapshot = () => [...target.params.trainable.values()].map((v) => Array.from(v.dataSync()));
    const original = snapshot();
    const bytes = fs.readFileSync(file);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['truncated', bytes.subarray(0, bytes.length - 100), /data is \d+ bytes, the header describes \d+ \(truncated or padded file\)/],
      ['padded', Buffer.concat([bytes, Buffer.from([1, 2, 3, 4])]), /truncated or padded file/],
      [
        'corrupted',
        (() => {
          const b = Buffer.from(bytes);
          b[b.length - 1] ^= 0xff;
          return b;
        })(),
        /do not match their SHA-256/,
      ],
      ['no header', Buffer.from('garbage'), /not a ktg checkpoint/],
      // the hash covers the header too: a shape or offset edited in place is refused
      ['header edited', edited(bytes, (h) => (h.variables[0].offset += 1), false), /header and data do not match their SHA-256/],
      // a writer's bug with a consistent hash: each variable once, every entry well-formed
      ['duplicate entry', edited(bytes, (h) => (h.variables[1] = { ...h.variables[0] }), true), /the header lists trainable variable .* twice/],
      ['malformed entry', edited(bytes, (h) => ((h.variables[0] as { shape: unknown }).shape = 'oops'), true), /variable entry 0 of the header is malformed/],
    ];
    for (const [what, content, pattern] of cases) {
      const bad = path.join(dir, `${what}.ckpt`);
      fs.writeFileSync(bad, content);
      assert.throws(
        () => loadCheckpoint(target, bad),
        (err: Error) => {
          assert.ok(err.message.includes(bad), `${what}: the error does not name the file`);
          assert.match(err.message, pattern, what);
          return true;
        },
      );
      assert.deepEqual(snapshot(), original, `${what}: variables changed`);
    }
    loadCheckpoint(target, file);
    assert.notDeepEqual(snapshot(), original);
    source.params.dispose();
    target.params.dispose();
  });
});

describe('search', () => {
  it('ASHA ignores non-finite values when it counts the trials at a rung (as Optuna)', () => {
    const eta2 = { ...defaultAsha, reductionFactor: 2 };
    // Optuna never records NaN: the rung holds [0.6, 0.55] → the best ⌊2/2⌋ = 1 goes on
    assert.equal(promotable(0.55, [NaN, NaN, 0.6, 0.55], eta2), false);
    assert.equal(promotable(0.6, [NaN, NaN, 0.6, 0.55], eta2), true);
    assert.equal(promotable(0.5, [NaN, 0.5], eta2), true);
    assert.equal(promotable(NaN, [0.1, NaN], eta2), false);
    assert.equal(promotable(Infinity, [0.1, Infinity], eta2), false);
  });

  it('a study whose settings do not fit the dataset is never written', async () => {
    const url = `sqlite:${path.join(tmp('study'), 'ktg.db')}`;
    const storage = openStorage(url);
    const config = {
      space: { nodes: [{ models: ['cnn8'], role: 'target' }], gates: ['through'] },
      dataset: 'fashion-mnist',
      trials: 2,
      epochs: 1,
      batchSize: 8,
    };
    try {
      await assert.rejects(
        createOrResumeStudy(storage, 'too-big', { ...config, validationSize: 60000 } as never),
        /study settings do not fit fashion-mnist: validation size must be in 1\.\.59999, got 60000/,
      );
      await assert.rejects(
        createOrResumeStudy(storage, 'batch', { ...config, validationSize: 100, trainSize: 50, batchSize: 64 } as never),
        /batchSize 64 is larger than the 50 training images/,
      );
      assert.equal(await storage.getStudy('too-big'), undefined);
      assert.equal(await storage.getStudy('batch'), undefined);
      // the name is still free for a valid study
      const { study } = await createOrResumeStudy(storage, 'too-big', { ...config, validationSize: 100 } as never);
      assert.equal(study.config.validationSize, 100);
    } finally {
      await storage.close();
    }
  });

  it('an unreachable Redis fails within seconds, naming the URL', async () => {
    const t0 = Date.now();
    const storage = openStorage('redis://127.0.0.1:1');
    await assert.rejects(storage.getStudy('x'), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    await storage.close().catch(() => undefined);
  });
});

describe('data', () => {
  it('stratifiedSubset draws a class-balanced, shuffled sample from class-sorted data', () => {
    const sorted = toyData(200, 4);
    const order = Array.from(sorted.labels.keys()).sort((a, b) => sorted.labels[a] - sorted.labels[b]);
    const bySorted = {
      ...sorted,
      labels: Int32Array.from(order, (i) => sorted.labels[i]),
      images: new Uint8Array(order.flatMap((i) => Array.from(sorted.images.subarray(i * 64, (i + 1) * 64)))),
    };
    const sample = stratifiedSubset(bySorted, 23, 7);
    const counts = new Array(10).fill(0);
    for (const l of sample.labels) counts[l]++;
    assert.deepEqual([...counts].sort(), [2, 2, 2, 2, 2, 2, 2, 3, 3, 3]);
    assert.notDeepEqual(
      [...sample.labels],
      [...sample.labels].sort((a, b) => a - b),
      'not shuffled',
    );
    assert.deepEqual([...stratifiedSubset(bySorted, 23, 7).labels], [...sample.labels], 'not deterministic');
    assert.throws(() => stratifiedSubset(bySorted, 0), /sample size must be an integer in 1\.\.200/);
  });
});

describe('processes', () => {
  it('local workers stop quietly when their parent search is SIGKILLed (stdout reader gone too): no stack dump, no trial left running', async () => {
    const dir = tmp('orphan');
    const url = `sqlite:${path.join(dir, 'ktg.db')}`;
    const errFile = path.join(dir, 'stderr.log');
    const errFd = fs.openSync(errFile, 'w');
    const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'ktg.js');
    const args = [
      'search',
      '--space',
      path.resolve(__dirname, '..', '..', 'spaces', 'tiny.json'),
      '--dataset',
      'fashion-mnist',
      '--storage',
      url,
      '--study',
      'orphan',
      '--trials',
      '4',
      '--workers',
      '1',
      '--train-size',
      '300',
      '--validation-size',
      '200',
      '--epochs',
      '30',
      '--batch-size',
      '32',
      '--no-pruning',
    ];
    const parent = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', errFd], env: { ...process.env, KTG_THREADS: '1' } });
    parent.stdout!.resume();
    try {
      // wait until a worker runs a trial
      const deadline = Date.now() + 120_000;
      for (;;) {
        const running = fs.existsSync(path.join(dir, 'ktg.db'))
          ? (await readStudy(url, 'orphan').catch(() => undefined))?.trials.some((t) => t.status === 'running')
          : false;
        if (running) break;
        assert.ok(Date.now() < deadline, `no trial started: ${fs.readFileSync(errFile, 'utf8')}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      const workers = spawnSync('pgrep', ['-P', String(parent.pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean)
        .map(Number);
      assert.ok(workers.length >= 1, 'no worker process found');
      parent.kill('SIGKILL');
      parent.stdout!.destroy(); // the reader of the workers' stdout goes away as well
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const until = Date.now() + 60_000;
      while (workers.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(workers.filter(alive), [], 'a worker outlived its parent by a minute');
    } finally {
      parent.kill('SIGKILL');
      fs.closeSync(errFd);
    }
    const log = fs.readFileSync(errFile, 'utf8');
    assert.doesNotMatch(log, /\n\s+at |EPIPE|Error/, `the workers wrote:\n${log.slice(0, 2000)}`);
    const study = await readStudy(url, 'orphan');
    assert.deepEqual(
      study.trials.filter((t) => t.status === 'running').map((t) => t.number),
      [],
      'a trial was left running',
    );
  });
});
