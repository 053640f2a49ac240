/**
 * A variable whose defining cell failed is named when a later cell uses it (#33 item 2): cells run
 * through tslab's own converter and executor, as in a notebook kernel.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { inspect } from 'node:util';
import { guardNotebookVariables } from '../../src/kernel/missing_variables';

// tslab's compiler and executor (what the kernel runs each cell through), with a console we read
/* eslint-disable @typescript-eslint/no-require-imports */
const { createConverter } = require('tslab/dist/converter') as { createConverter: (o?: object) => { close(): void } };
const { createExecutor } = require('tslab/dist/executor') as {
  createExecutor: (root: string, convs: object, console: Pick<Console, 'log' | 'error'>) => { execute(src: string): Promise<boolean>; close(): void };
};
const printed: string[] = [];
const console = {
  log: (...a: unknown[]) => printed.push(a.map((x) => (typeof x === 'string' ? x : inspect(x))).join(' ')),
  error: (...a: unknown[]) => printed.push(a.map((x) => inspect(x)).join(' ')),
};
const converter = createConverter();
const executor = createExecutor(path.resolve(__dirname, '..', '..'), { node: converter, browser: converter, close: () => converter.close() }, console);
after(() => executor.close());
/** a variable of the cells, read as a later cell would */
const cellVariable = (name: string): unknown =>
  ((globalThis as { __tslab__?: { exports: Record<string, unknown> } }).__tslab__!.exports as Record<string, unknown>)[name];

test('a cell that uses a variable its failed defining cell left undefined gets an error naming it; re-running that cell fixes it', async () => {
  assert.equal(guardNotebookVariables(), true, 'the kernel exports are guarded');
  assert.equal(await executor.execute('const good = { edges: [1, 2] };\nlet counter = 1;'), true);
  // the defining cell ran once, then is edited into one that throws before assigning `spec` (its
  // opening statement sets it to undefined; a cell that never ran leaves a compile error naming it)
  assert.equal(await executor.execute('const spec = JSON.parse(\'{"edges": []}\');\nconst after = 2;'), true);
  assert.equal(await executor.execute("const spec = JSON.parse('{ broken');\nconst after = 2;"), false);
  printed.length = 0;
  assert.equal(await executor.execute('console.log(spec.edges.length);'), false);
  assert.match(printed.join('\n'), /MissingVariableError: "spec" is not defined: the cell that defines it stopped with an error before assigning it/);
  assert.doesNotMatch(printed.join('\n'), /Cannot read properties of undefined/);
  // variables of cells that ran, reassigned later, or undefined on purpose are untouched
  assert.equal(await executor.execute('counter = counter + 1;\nlet nothing: number | undefined = undefined;'), true);
  assert.equal(await executor.execute('const shown = `${good.edges.length} ${counter} ${nothing}`;'), true);
  assert.equal(cellVariable('shown'), '2 2 undefined');
  // the cell fixed and run again: `spec` is defined
  assert.equal(await executor.execute('const spec = JSON.parse(\'{"edges": [3]}\');'), true);
  assert.equal(await executor.execute('const first = spec.edges[0];'), true);
  assert.equal(cellVariable('first'), 3);
  assert.equal(guardNotebookVariables(), true, 'installed once');
});
