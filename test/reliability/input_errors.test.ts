/**
 * Errors of ktg's own checks read as their message alone (#33 item 2): printed by `console.error`
 * (what tslab does with a failing cell) they show no Node stack through dist/, in a real notebook too;
 * KTG_DEBUG=1 brings the stack back.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { GraphSpecError, parseGraphSpec } from '../../src/graph/spec';
import { InputError } from '../../src/input_error';
import { parseSearchSpace } from '../../src/search/space';
import { parseStudyConfig } from '../../src/search/study_config';
import { checkTrainOptions } from '../../src/training';

const root = path.resolve(__dirname, '..', '..');
const typo = {
  numClasses: 10,
  inputShape: [28, 28, 1],
  nodes: [{ model: 'cnn8', role: 'target' }],
  edges: [{ source: 0, target: 1, loss: 'ce', gaet: { name: 'through' } }],
};

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  assert.fail('no error');
}

test('spec, space, study-settings and training-option errors are InputErrors printed as their message alone; KTG_DEBUG=1 shows the stack', () => {
  const errors = [
    caught(() => parseGraphSpec(typo)),
    caught(() => parseSearchSpace({ nodes: [{ role: 'target', models: ['cnn8', 'cnn16'] }], gates: ['through'] })),
    caught(() => parseStudyConfig({ space: { nodes: [{ role: 'target', models: ['cnn8'] }], gates: ['through'] }, dataset: 'fashion-mnist', trials: 0 })),
    caught(() => checkTrainOptions({ epochs: 0, batchSize: 8 }, 100)),
  ];
  for (const err of errors) {
    assert.ok(err instanceof InputError, String(err));
    const shown = inspect(err);
    assert.equal(shown, `${(err as Error).name}: ${(err as Error).message}`);
    assert.doesNotMatch(shown, /\n\s+at /);
  }
  assert.ok(errors[0] instanceof GraphSpecError);
  assert.match(inspect(errors[0]), /edges\.0: unknown key "gaet" \(did you mean "gate"\?\)/);
  process.env.KTG_DEBUG = '1';
  try {
    assert.match(inspect(errors[0]), /\n\s+at /);
  } finally {
    delete process.env.KTG_DEBUG;
  }
});

test('in a real notebook a spec typo prints the message, not a stack through dist/', () => {
  const file = path.join(root, 'notebooks', '_input_error.ipynb');
  const cell = (source: string, id: string) => ({ cell_type: 'code', id, execution_count: null, metadata: {}, outputs: [], source });
  const nb = {
    cells: [cell("import * as ktg from '../dist';", 'c1'), cell(`ktg.graph.parseGraphSpec(${JSON.stringify(typo)});`, 'c2')],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  try {
    const res = spawnSync('/usr/bin/python3', [path.join(root, 'scripts', 'run_notebooks.py'), '300', path.relative(root, file)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: path.join(root, '.jupyter-runtime') },
      timeout: 5 * 60_000,
    });
    assert.equal(res.status, 1, 'the notebook fails');
    const executed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      cells: Array<{ source: string | string[]; outputs?: Array<{ name?: string; text?: string | string[] }> }>;
    };
    // the runner puts its banner first: find the failing cell by its source
    const failing = executed.cells.find((c) => [c.source].flat().join('').includes('parseGraphSpec'))!;
    const stderr = failing
      .outputs!.filter((o) => o.name === 'stderr')
      .map((o) => [o.text ?? ''].flat().join(''))
      .join('');
    assert.match(stderr, /GraphSpecError: invalid knowledge transfer graph:\n\s+- edges\.0: unknown key "gaet" \(did you mean "gate"\?\)/);
    assert.doesNotMatch(stderr, /\n\s+at |dist\/graph\/spec\.js/);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
