/**
 * Fuzzing the parsers: valid graph specs, GAN graphs, search spaces and study files are mutated
 * hundreds of times (keys dropped or misspelled, numbers out of range or non-finite, wrong types,
 * extra keys). Every mutant must give a clear error (an Error that is not a TypeError, naming where)
 * or parse without losing any key it was given — never a crash or a silent default. Some accepted
 * graph mutants are also trained for a step on toy data.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { Rng } from '../../src/data/random';
import { parseGanGraphSpec, parseGraphSpec, trainGraph } from '../../src/graph';
import { parseSearchSpace } from '../../src/search/space';
import { parseStudyConfig } from '../../src/search/study_config';
import { toyData } from '../helpers/toy_data';

before(async () => initBackend({ backend: 'cpu', quiet: true }));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const seeds: Record<string, { value: Json; parse: (x: unknown) => unknown }> = {
  graph: {
    value: {
      numClasses: 10,
      inputShape: [8, 8, 1],
      nodes: [
        { model: 'cnn8', role: 'target' },
        { model: 'cnn4', pretrained: false },
      ],
      edges: [
        { source: 0, target: 1, loss: 'ce', gate: { name: 'through' } },
        { source: 2, target: 1, loss: 'kd', temperature: 4, gate: { name: 'sine', f: 0.3, phi: 1.2 } },
        { source: 0, target: 2, loss: 'ce', gate: { name: 'linear' } },
        { source: 1, target: 2, loss: 'kl', gate: { name: 'threshold', tau: 0.8 } },
      ],
    },
    parse: parseGraphSpec,
  },
  space: {
    value: {
      name: 's',
      nodes: [{ models: ['cnn8'], role: 'target' }, { models: ['cnn4', 'cnn8'] }],
      gates: ['through', 'cutoff', 'sine'],
      losses: ['kl', 'kd'],
      temperature: 2,
    },
    parse: parseSearchSpace,
  },
  gan: {
    value: {
      kind: 'gan',
      nodes: [{ model: 'dcgan' }, { model: 'dcgan', seed: 3 }],
      alpha: 1000,
      edges: [
        { source: 0, target: 1, loss: 'adversarial', gate: { name: 'through' } },
        { source: 0, target: 2, loss: 'adversarial', gate: { name: 'linear' } },
        { source: 1, target: 2, loss: 'images', gate: { name: 'sine', f: 0.5, phi: 1 } },
      ],
    },
    parse: parseGanGraphSpec,
  },
  study: {
    value: {
      space: { nodes: [{ models: ['cnn8'], role: 'target' }], gates: ['through'] },
      dataset: 'fashion-mnist',
      trials: 4,
      validationSize: 100,
      epochs: 2,
      batchSize: 8,
      pruner: { kind: 'asha', reductionFactor: 2 },
    },
    parse: parseStudyConfig,
  },
};

/** every [path, value] of a JSON value, objects and arrays included */
function nodes(x: Json, path: (string | number)[] = []): Array<[(string | number)[], Json]> {
  const out: Array<[(string | number)[], Json]> = [[path, x]];
  if (Array.isArray(x)) x.forEach((v, i) => out.push(...nodes(v, [...path, i])));
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) out.push(...nodes(v, [...path, k]));
  return out;
}

function typo(word: string, rng: Rng): string {
  const i = Math.floor(rng.next() * word.length);
  const kind = Math.floor(rng.next() * 3);
  if (kind === 0 && word.length > 1) return word.slice(0, i) + word.slice(i + 1);
  if (kind === 1 && i + 1 < word.length) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  return word.slice(0, i) + 'x' + word.slice(i);
}

/** one random mutation of a deep copy */
function mutate(seed: Json, rng: Rng): Json {
  const copy = JSON.parse(JSON.stringify(seed)) as Json;
  const all = nodes(copy).filter(([p]) => p.length > 0);
  const [path, value] = all[Math.floor(rng.next() * all.length)];
  const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string, Json>)[k as string], copy) as Record<string, Json> | Json[];
  const key = path[path.length - 1];
  const pick = <T>(xs: T[]) => xs[Math.floor(rng.next() * xs.length)];
  const op = pick(['drop', 'rename', 'number', 'type', 'extra']);
  const set = (v: Json) => ((parent as Record<string, Json>)[key as string] = v);
  if (op === 'drop') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (op === 'rename' && !Array.isArray(parent) && typeof key === 'string') {
    delete parent[key];
    parent[typo(key, rng)] = value;
  } else if (op === 'number') {
    set(pick([-1, 0, 0.5, 1e9, -1e9, 1e999, -1e999, NaN, 2.5, 100]));
  } else if (op === 'type') {
    set(pick<Json>(['x', null, true, [], {}, '3', [1, 2]]));
  } else {
    const target = value && typeof value === 'object' && !Array.isArray(value) ? value : (parent as Record<string, Json>);
    if (!Array.isArray(target)) target[pick(['gaet', 'los', 'rol', 'tua', 'extra', 'Gate'])] = 1;
  }
  return copy;
}

/** every object key of `input` is still in `output` (nothing dropped in favour of a default) */
function keysKept(input: Json, output: unknown, path = ''): string[] {
  if (Array.isArray(input)) return input.flatMap((v, i) => keysKept(v, (output as unknown[])?.[i], `${path}.${i}`));
  if (input && typeof input === 'object') {
    return Object.entries(input).flatMap(([k, v]) => {
      if (output == null || typeof output !== 'object' || !(k in output)) return [`${path}.${k}`];
      return keysKept(v, (output as Record<string, unknown>)[k], `${path}.${k}`);
    });
  }
  return [];
}

test('300 mutants per kind: a clear error or a faithful parse, never a crash', async () => {
  const rng = new Rng(20261202);
  const accepted: Record<string, number> = {};
  const trainable: unknown[] = [];
  for (const [kind, { value, parse }] of Object.entries(seeds)) {
    accepted[kind] = 0;
    for (let n = 0; n < 300; n++) {
      const mutant = mutate(value, rng);
      // JSON round trip: what a file would hold (NaN and 1e999 become null there; keep both forms)
      const inputs = [mutant, JSON.parse(JSON.stringify(mutant)) as Json];
      for (const input of inputs) {
        let parsed: unknown;
        try {
          parsed = parse(input);
        } catch (err) {
          assert.ok(err instanceof Error, `${kind}: threw a non-Error for ${JSON.stringify(input)}`);
          assert.ok(!(err instanceof TypeError) && !(err instanceof RangeError), `${kind}: ${err.name} for ${JSON.stringify(input)}: ${err.message}`);
          assert.ok(
            err.message.length > 0 && !/undefined|\[object Object\]/.test(err.message),
            `${kind}: unclear error for ${JSON.stringify(input)}: ${err.message}`,
          );
          continue;
        }
        accepted[kind]++;
        const lost = keysKept(input, parsed);
        assert.deepEqual(lost, [], `${kind}: keys dropped silently from ${JSON.stringify(input)}`);
        if (kind === 'graph' && trainable.length < 6) trainable.push(parsed);
      }
    }
  }
  console.log(`accepted mutants: ${JSON.stringify(accepted)}`);
  // accepted graphs train (or end as diverged) without crashing
  for (const spec of trainable) {
    const result = await trainGraph(spec as never, { train: toyData(32, 1), test: toyData(16, 2) }, { epochs: 1, batchSize: 16 }).catch((err: Error) => {
      assert.ok(!(err instanceof TypeError), `TypeError while training an accepted spec: ${err.message}`);
      return undefined;
    });
    if (result) {
      assert.ok(['completed', 'diverged'].includes(result.status));
      for (const m of result.models) m.params.dispose();
    }
  }
});
