/**
 * Inputs that reached built-in object properties or broke out of a quoted string (#32): a spec key
 * "__proto__", ids such as "constructor" or "toString", a study title with a backslash in a diagram,
 * a search space past the node cap, and a divergence that `ktg train` reported without its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImageFolder } from '../../src/data/image_folder';
import { gateDefinition, GateName } from '../../src/gates';
import { dotQuote, graphToDot } from '../../src/graph/dot';
import { repeatOverSeeds } from '../../src/graph/repeat';
import { GraphSpecError, parseGraphSpec } from '../../src/graph/spec';
import { lossDefinition, LossName } from '../../src/losses/registry';
import { createModel, isModelName } from '../../src/models/registry';
import { parseSearchSpace, SearchSpaceError } from '../../src/search/space';
import { upgradeIds } from '../../src/schema/ids';
import { renderDot } from '../../src/viz/graphviz';
import { temporaryDir } from '../../src/data/temporary';

const base = { numClasses: 10, inputShape: [8, 8, 1] as [number, number, number] };
const twoNodes = () => ({
  ...base,
  nodes: [{ model: 'cnn4', role: 'target' }, { model: 'cnn4' }],
  edges: [
    { source: 0, target: 1 },
    { source: 2, target: 1 },
    { source: 0, target: 2 },
  ],
});

test('a "__proto__" key is an unknown key like any other, at every depth', () => {
  for (const text of [
    `{"__proto__": {"x": 1}, ${JSON.stringify(twoNodes()).slice(1)}`,
    JSON.stringify(twoNodes()).replace('"role":"target"', '"role":"target","__proto__":{"polluted":true}'),
  ]) {
    const input = JSON.parse(text) as unknown;
    assert.throws(
      () => parseGraphSpec(input),
      (err: unknown) => err instanceof GraphSpecError && /unknown key "__proto__"/.test(err.message),
    );
  }
  // the copy keeps it as an own key instead of setting the prototype, and nothing leaks into Object.prototype
  const copy = upgradeIds(JSON.parse('{"__proto__": {"polluted": true}}') as object) as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(copy, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('ids that name built-in object properties are unknown ids, not functions', () => {
  for (const id of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    assert.equal(isModelName(id), false);
    assert.throws(() => createModel(id, { ...base, seed: 1 }), new RegExp(`unknown model "${id}"`));
    assert.throws(() => gateDefinition(id as GateName), new RegExp(`unknown gate "${id}"`));
    assert.throws(() => lossDefinition(id as LossName), new RegExp(`unknown loss "${id}"`));
    // a model id "constructor" is not rewritten by the deprecated-id table (it was replaced by Object itself)
    const spec = twoNodes();
    spec.nodes[1].model = id;
    assert.throws(
      () => parseGraphSpec(spec),
      (err: unknown) => err instanceof GraphSpecError && err.message.includes(`node 2 (${id}): unknown model "${id}"`),
    );
  }
  assert.equal(isModelName('cnn4'), true);
});

test('diagram titles are quoted for Graphviz: a backslash or quote cannot end the label', async () => {
  assert.equal(dotQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  const title = 'study \\"]; n9 [label="injected';
  const dot = graphToDot(parseGraphSpec(twoNodes()), { title });
  const svg = await renderDot(dot);
  // the whole title is the graph's label (Graphviz unescapes it), and no node was injected
  assert.ok(svg.includes('study \\&quot;]; n9 [label=&quot;injected') || svg.includes('study \\"]; n9 [label="injected'), svg.slice(0, 600));
  assert.ok(!/<title>n9<\/title>/.test(svg));
});

test('a search space past the node cap is refused when it is parsed, not trial by trial', () => {
  const nodes = [{ role: 'target', models: ['cnn4'] }, ...Array.from({ length: 16 }, () => ({ models: ['cnn4'] }))];
  assert.throws(
    () => parseSearchSpace({ nodes, gates: ['through'] }),
    (err: unknown) => err instanceof SearchSpaceError && /at most 16 model nodes/.test(err.message),
  );
  assert.equal(parseSearchSpace({ nodes: nodes.slice(0, 16), gates: ['through'] }).nodes.length, 16);
});

test('a diverged seed keeps its reason (ktg train prints it and names it in its error)', async () => {
  const spec = parseGraphSpec(twoNodes());
  const result = await repeatOverSeeds(spec, [0, 1], async (seed) => ({
    status: seed === 0 ? ('diverged' as const) : ('completed' as const),
    ...(seed === 0 ? { error: 'edge 1 (2→1, kl): loss NaN is not finite at epoch 1, step 3' } : {}),
    history: [],
    steps: 0,
    targetAccuracy: NaN,
    models: [],
  }));
  assert.equal(result.runs[0].error, 'edge 1 (2→1, kl): loss NaN is not finite at epoch 1, step 3');
  assert.equal(result.runs[1].error, undefined);
});

test('echoed inputs are cut: a 2 MB model name or key appears as its start and its length', () => {
  const huge = 'x'.repeat(2_000_000);
  const spec = twoNodes();
  spec.nodes[1].model = huge;
  const message = (() => {
    try {
      parseGraphSpec(spec);
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  })();
  assert.match(message, /unknown model "x{60}… \(2000000 characters\)"/);
  assert.ok(message.length < 2_000, `${message.length} characters`);
  const withKey = { ...twoNodes(), [huge]: 1 };
  assert.throws(
    () => parseGraphSpec(withKey),
    (err: unknown) => err instanceof GraphSpecError && err.message.length < 2_000 && /unknown key "x{60}… \(2000000 characters\)"/.test(err.message),
  );
  assert.throws(
    () => createModel(huge, { ...base, seed: 1 }),
    (err: Error) => err.message.length < 2_000,
  );
});

test('images declaring more pixels than ktg decodes are refused by name before decoding (PNG and JPEG)', async () => {
  const dir = temporaryDir('big-image');
  try {
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png, 0);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(30000, 16);
    png.writeUInt32BE(30000, 20);
    png[24] = 8; // bit depth; colour type etc. follow; there is no image data at all
    // a baseline JPEG header (SOI, SOF0) declaring 30000 × 30000 pixels, three components
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x75, 0x30, 0x75, 0x30, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
    ]);
    for (const [name, bytes, pattern] of [
      ['big.png', png, /big\.png: 30000 × 30000 pixels, more than the 40 megapixels ktg decodes/],
      ['big.jpg', jpeg, /big\.jpg: .*maxResolutionInMP limit exceeded/],
    ] as const) {
      const root = path.join(dir, name.replace('.', '-'));
      fs.mkdirSync(path.join(root, 'train', 'a'), { recursive: true });
      fs.writeFileSync(path.join(root, 'train', 'a', name), bytes);
      const t0 = Date.now();
      await assert.rejects(loadImageFolder(root, ['train'], { shape: [8, 8, 1] }), pattern);
      assert.ok(Date.now() - t0 < 5_000, 'refused at once, not after decoding');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
