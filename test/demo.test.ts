// The main job: the Fashion-MNIST CNN trains with the Learner (a shortened run: 1 epoch on 12,000 images; the
// full demo, 2 epochs on 60,000, reaches 88% and is checked by `npm run demo`), writes its plot and weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('the demo trains on Fashion-MNIST with the Learner and writes its run folder', async () => {
  gc();
  const before = torch.memory().liveTensors;
  const runDir = join(mkdtempSync(join(tmpdir(), 'flint-demo-')), 'run');
  const lines: string[] = [];
  const r = await demo({ epochs: 1, limit: 12000, runDir, log: (l) => lines.push(l) });
  assert.ok(r.accuracies[0]! > 0.75, `validation accuracy ${r.accuracies[0]}`);
  assert.ok(r.losses[0]! < 0.7, `validation loss ${r.losses[0]}`);
  assert.match(lines[0]!, /^Flint demo: CNN \(24,170 parameters\) on Fashion-MNIST/);
  for (const f of ['loss.svg', 'loss.png', 'models/model.safetensors']) assert.ok(existsSync(join(runDir, f)), f);
  r.learn.model.dispose();
  r.learn.opt!.clearState();
  r.learn.recorder!.lossMetric.reset();
  r.learn.recorder!.smoothLossMetric.reset();
  for (const m of r.learn.metrics) m.reset();
  gc();
  assert.equal(torch.memory().liveTensors, before, 'nothing left once the model, optimizer state and metrics are released');
});
