// The spirals example (an MLP written with the Tensor API alone) trains: the loss falls and the spirals separate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../examples/spirals-mlp.js';
import { liveTensors } from './helpers.js';

test('the Tensor-API MLP example learns the spirals and frees its tensors', async () => {
  const before = liveTensors();
  const lines: string[] = [];
  const r = await demo({ steps: 300, log: (l) => lines.push(l) });
  assert.ok(r.last < r.first * 0.2, `loss ${r.first} -> ${r.last}`);
  assert.ok(r.accuracy > 0.9, `accuracy ${r.accuracy}`);
  assert.match(lines[1]!, /^step {4}0 {2}loss \d\.\d{4}$/);
  assert.equal(liveTensors(), before);
});
