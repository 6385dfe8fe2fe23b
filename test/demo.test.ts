// The main job: the Fashion-MNIST CNN trains with nn, optim and data (a shortened run: 1 epoch on 12,000
// images; the full demo, 2 epochs on 60,000, reaches 88% and is checked by `npm run demo`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch } from '../src/index.js';
import { demo, makeCnn } from '../examples/demo.js';
import { gc } from './helpers.js';

test('the demo CNN has the specified blocks', () => {
  const m = makeCnn();
  assert.equal(m.toString().split('\n')[1], '  (0): Conv2d(1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))');
  assert.deepEqual(m.children().map((c) => c.constructor.name), ['Conv2d', 'ReLU', 'BatchNorm2d', 'Conv2d', 'ReLU', 'BatchNorm2d',
    'Conv2d', 'ReLU', 'BatchNorm2d', 'AdaptiveAvgPool2d', 'Flatten', 'Linear']);
  m.dispose();
});

test('the demo trains on Fashion-MNIST and frees everything', async () => {
  gc();
  const before = torch.memory().liveTensors;
  const lines: string[] = [];
  const r = await demo({ epochs: 1, limit: 12000, log: (l) => lines.push(l) });
  assert.ok(r.accuracies[0]! > 0.75, `validation accuracy ${r.accuracies[0]}`);
  assert.ok(r.losses[0]! < 0.7, `validation loss ${r.losses[0]}`);
  assert.match(lines[3]!, /^0 {6}\d\.\d{6} {4}\d\.\d{6} {4}0\.\d{4} {4}\d\d:\d\d$/);
  gc();
  assert.equal(torch.memory().liveTensors, before);
});
