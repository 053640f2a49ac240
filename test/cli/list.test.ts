import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gateNames } from '../../src/gates/registry';
import { lossNames } from '../../src/losses/registry';
import { listText, runListCommand } from '../../src/cli/list_command';

test('ktg list prints every gate and loss of the registries with its summary, and the models', () => {
  const gates = listText('gates').split('\n');
  assert.equal(gates.length, 2 + gateNames.length);
  assert.match(
    gates.find((l) => l.startsWith('cosine-ramp'))!,
    /cosine-ramp\s+weight ½\(1 − cos πk\/k_end\)/,
  );
  const losses = listText('losses').split('\n');
  assert.equal(losses.length, 2 + lossNames.length);
  assert.match(
    losses.find((l) => l.startsWith('map-pull'))!,
    /labelled, attention maps \(crops\)\s+MSE of L2-normalised attention maps/,
  );
  assert.match(
    losses.find((l) => l.startsWith('consistency'))!,
    /unlabelled, self-loop/,
  );
  assert.ok(listText('models').split('\n').includes('abn-resnet20'));
  assert.throws(() => runListCommand('nodes'), /nothing to list as "nodes" \(use gates, losses, models\)/);
});
