import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownTable, meanStdText } from '../../src/viz/tables';

test('markdownTable: header, alignment from the first row, numbers to fixed digits, pipes escaped, row width checked', () => {
  const md = markdownTable(
    ['method', 'acc (%)', 'note'],
    [
      ['KD | T=4', 71.876, undefined],
      ['vanilla', 70.7, 'base'],
    ],
    { title: 'Table 2.1', digits: 1 },
  );
  assert.equal(
    md,
    ['**Table 2.1**', '', '| method | acc (%) | note |', '| --- | ---: | --- |', '| KD \\| T=4 | 71.9 |  |', '| vanilla | 70.7 | base |'].join('\n'),
  );
  assert.throws(() => markdownTable(['a', 'b'], [['x']]), /row 0 has 1 cells, the header 2/);
  assert.equal(meanStdText({ mean: 72.314, std: 0.449 }), '72.31 ± 0.45');
});
