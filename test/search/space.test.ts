import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frozenNodes, parseGraphSpec } from '../../src/graph/spec';
import { SINE_PHI_MAX } from '../../src/gates';
import { isGanSpace, sampleCoGan } from '../../src/gan/space';
import { parseAnySpace } from '../../src/search/kinds';
import { parseSearchSpace, sampleGraph, SearchSpaceError, spaceEdges, spaceSize } from '../../src/search/space';

const data = { numClasses: 10, inputShape: [28, 28, 1] as [number, number, number] };
const threeNodes = parseSearchSpace({
  nodes: [{ role: 'target', models: ['resnet32'] }, { models: ['resnet32', 'resnet110', 'resnet56'] }, { models: ['resnet32', 'resnet110', 'resnet56'] }],
  gates: ['through', 'cutoff', 'linear', 'correct'],
});

test('space size is M^(N−1)·G^(N²): 3 nodes, 3 models, 4 gates → 2,359,296 (> 2 million, thesis §3.3)', () => {
  const size = spaceSize(threeNodes);
  assert.equal(size.discrete, 3 ** 2 * 4 ** 9);
  assert.equal(size.discrete, 2_359_296);
  assert.equal(size.continuous, false);
  assert.equal(size.formula, '3^2 · 4^9');
  assert.equal(spaceEdges(threeNodes).length, 9);
});

test('loss candidates multiply the size per model→model edge; sine makes the space continuous', () => {
  const s = parseSearchSpace({
    nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8'] }],
    gates: ['through', 'cutoff'],
    losses: ['kl', 'at', 'dist'],
  });
  assert.equal(spaceSize(s).discrete, 2 ** 4 * 3 ** 2);
  const sine = parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8'] }], gates: ['sine'] });
  assert.equal(spaceSize(sine).continuous, true);
});

test('sampling is deterministic per seed, covers the candidates and yields valid graphs', () => {
  const a = sampleGraph(threeNodes, 7, data);
  assert.deepEqual(sampleGraph(threeNodes, 7, data), a);
  const seen = { models: new Set<string>(), gates: new Set<string>() };
  let differs = 0;
  let frozenSeen = 0;
  for (let seed = 0; seed < 200; seed++) {
    const g = sampleGraph(threeNodes, seed, data);
    assert.equal(g.nodes[0].model, 'resnet32');
    assert.equal(g.nodes[0].role, 'target');
    assert.equal(g.edges.length, 9);
    g.nodes.slice(1).forEach((n) => seen.models.add(n.model));
    g.edges.forEach((e) => seen.gates.add(e.gate.name));
    if (JSON.stringify(g) !== JSON.stringify(a)) differs++;
    frozenSeen += frozenNodes(g).length;
  }
  // each node has 3 incoming edges, each cut with probability 1/4: 600 nodes → 600/64 ≈ 9.4 frozen
  // (binomial sd ≈ 3.0); the sampler must neither avoid nor favour all-cut nodes
  assert.ok(frozenSeen >= 2 && frozenSeen <= 20, `${frozenSeen} frozen nodes in 200 graphs`);
  assert.deepEqual([...seen.models].sort(), ['resnet110', 'resnet32', 'resnet56']);
  assert.deepEqual([...seen.gates].sort(), ['correct', 'cutoff', 'linear', 'through']);
  assert.ok(differs > 190);
});

test('sine gates draw f in [0, 1] and φ in [0, 3/4·2π]', () => {
  const s = parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8'] }, { models: ['cnn8'] }], gates: ['sine'] });
  let maxPhi = 0;
  for (let seed = 0; seed < 100; seed++) {
    for (const e of sampleGraph(s, seed, data).edges) {
      assert.equal(e.gate.name, 'sine');
      assert.ok(e.gate.f! >= 0 && e.gate.f! <= 1);
      assert.ok(e.gate.phi! >= 0 && e.gate.phi! <= SINE_PHI_MAX);
      maxPhi = Math.max(maxPhi, e.gate.phi!);
    }
  }
  assert.ok(maxPhi > 0.9 * SINE_PHI_MAX);
});

test('invalid spaces are rejected with the offending node or field named', () => {
  assert.throws(
    () => parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8', 'cnn16'] }], gates: ['through'] }),
    /node 1: the target node's model is fixed/,
  );
  assert.throws(
    () => parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['vgg99'] }], gates: ['through'] }),
    /node 2: unknown model "vgg99"/,
  );
  assert.throws(() => parseSearchSpace({ nodes: [{ models: ['cnn8'] }], gates: ['through'] }), /exactly one node must have role "target"/);
  assert.throws(
    () => parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8'] }], gates: ['sometimes'] }),
    (e: unknown) => e instanceof SearchSpaceError && /gates\.0/.test((e as Error).message),
  );
  assert.throws(() => parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8'] }], gates: [] }), /gates/);
});

test('semi-supervised spaces: a self-loop per node from selfLosses, ema edges only between equal models, one EMA source per node', () => {
  const s = parseSearchSpace({
    nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8'] }],
    gates: ['through', 'cutoff', 'linear', 'negative-linear', 'threshold'],
    losses: ['consistency', 'pseudo', 'ema'],
    selfLoops: true,
  });
  // 2 label edges + 2 self-loops + 2 cross edges; gates on all 6, selfLosses (3) on 2, losses (3) on 2
  assert.equal(spaceEdges(s).length, 6);
  assert.equal(spaceSize(s).discrete, 5 ** 6 * 3 ** 2 * 3 ** 2);
  for (let seed = 0; seed < 100; seed++) {
    const g = sampleGraph(s, seed, data);
    for (const e of g.edges.filter((x) => x.source === x.target)) assert.ok(['consistency', 'pseudo', 'pseudo-threshold'].includes(e.loss));
  }
  assert.throws(
    () => parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8'] }, { models: ['cnn8', 'cnn16'] }], gates: ['through'], losses: ['ema'] }),
    /"ema" edges need one model for every node/,
  );
});

test('every bundled space file under spaces/ parses and samples a valid graph (or co-GAN)', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const dir = path.join(__dirname, '..', '..', 'spaces');
  const files = fs.readdirSync(dir).filter((f: string) => f.endsWith('.json'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const space = parseAnySpace(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    if (isGanSpace(space)) assert.ok(sampleCoGan(space, 1).nodes.length >= 2 && sampleCoGan(space, 1).edges.some((e) => e.source > 0), f);
    else assert.ok(sampleGraph(space, 1, { numClasses: 10, inputShape: [32, 32, 3] }).edges.length > 0, f);
  }
});

test('frozen nodes: every learning edge into them cut; an EMA target or one live edge is not frozen', () => {
  const spec = parseGraphSpec({
    numClasses: 10,
    inputShape: [8, 8, 1],
    nodes: [{ model: 'cnn8', role: 'target' }, { model: 'cnn8' }, { model: 'cnn8' }, { model: 'cnn8' }],
    edges: [
      { source: 0, target: 1, loss: 'ce' },
      { source: 0, target: 2, loss: 'ce', gate: { name: 'cutoff' } },
      { source: 1, target: 2, gate: { name: 'cutoff' } },
      { source: 0, target: 3, loss: 'ce', gate: { name: 'cutoff' } },
      { source: 2, target: 3, gate: { name: 'linear' } },
      { source: 1, target: 4, loss: 'ema' },
    ],
  });
  assert.deepEqual(frozenNodes(spec), [2]);
});
