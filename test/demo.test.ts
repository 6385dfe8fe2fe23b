// The main job: the Fashion-MNIST CNN trains with the Learner and one-cycle (a shortened run: the LR finder, then 1
// epoch on 12,000 images; the full demo, 5 epochs on 60,000, reaches 91% and is checked by `npm run demo`), writes
// its charts and weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch } from '../src/index.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { demo, makeCnn, parseDemoArgs } from '../examples/demo.js';
import { assertClose, gc } from './helpers.js';

test('the demo CNN has the specified blocks', () => {
  const m = makeCnn();
  assert.equal(m.toString().split('\n')[1], '  (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))');
  assert.deepEqual(m.children().map((c) => c.constructor.name), ['Conv2d', 'ReLU', 'BatchNorm2d', 'Conv2d', 'ReLU', 'BatchNorm2d',
    'Conv2d', 'ReLU', 'BatchNorm2d', 'AdaptiveAvgPool2d', 'Flatten', 'Linear']);
  m.dispose();
});

test('the demo trains on Fashion-MNIST with the Learner and writes its run folder', async () => {
  gc();
  const before = torch.memory().liveTensors;
  const runDir = join(mkdtempSync(join(tmpdir(), 'flint-demo-')), 'run');
  const lines: string[] = [];
  const r = await demo({ epochs: 1, limit: 12000, lrFind: true, runDir, log: (l) => lines.push(l) });
  assert.ok(r.accuracies[0]! > 0.7, `validation accuracy ${r.accuracies[0]}`);
  assert.ok(r.losses[0]! < 1.0, `validation loss ${r.losses[0]}`);
  assert.match(lines[0]!, /^LR finder: valley at \d\.\d\de-\d/);
  const valley = Number(/valley at (\S+);/.exec(lines[0]!)![1]);
  assert.ok(valley > 1e-5 && valley < 1, `valley ${valley}`);
  assert.match(lines[1]!, /^Flint demo: CNN \(94,410 parameters\) on Fashion-MNIST .* fitOneCycle\(1, /);
  const hps = r.learn.recorder!.hps;
  const lrUsed = Number(/fitOneCycle\(1, ([^)]+)\)/.exec(lines[1]!)![1]);
  const peak = Math.max(...hps.lr!);
  assert.ok(peak <= lrUsed && peak > 0.99 * lrUsed, `the one-cycle peak ${peak} is the lr used, ${lrUsed}`);
  assertClose(hps.lr![0]!, lrUsed / 25, lrUsed * 1e-9, 'starts at lr / div');
  for (const f of ['loss.svg', 'loss.png', 'schedule.svg', 'schedule.png', 'lr_find.svg', 'lr_find.png', 'models/model.safetensors']) assert.ok(existsSync(join(runDir, f)), f);
  r.learn.model.dispose();
  r.learn.opt!.clearState();
  r.learn.recorder!.lossMetric.reset();
  r.learn.recorder!.smoothLossMetric.reset();
  for (const m of r.learn.metrics) m.reset();
  gc();
  assert.equal(torch.memory().liveTensors, before, 'nothing left once the model, optimizer state and metrics are released');
});

test('the demo command line: options parsed, bad values named, help from `flint demo --help`', () => {
  assert.deepEqual(parseDemoArgs(['--epochs', '3', '--lr', '2e-3', '--lr-find', '--batch-size', '256', '--out', 'r']),
    { epochs: 3, lr: 2e-3, lrFind: true, batchSize: 256, device: undefined, runDir: 'r' });
  assert.deepEqual(parseDemoArgs([]), { epochs: undefined, lr: undefined, lrFind: false, batchSize: undefined, device: undefined, runDir: undefined });
  assert.equal(parseDemoArgs(['--help']), null);
  assert.throws(() => parseDemoArgs(['--epochs', '2.5']), /--epochs must be a positive integer, got '2.5'/);
  assert.throws(() => parseDemoArgs(['--lr=-1']), /--lr must be a positive number, got '-1'/);
  assert.throws(() => parseDemoArgs(['--device', 'tpu']), /--device must be cpu or cuda, got 'tpu'/);
  assert.throws(() => parseDemoArgs(['--epoch', '2']), /Unknown option '--epoch'/);
  const bin = new URL('../../bin/flint.js', import.meta.url).pathname;
  assert.match(execFileSync(process.execPath, [bin, 'demo', '--help'], { encoding: 'utf8' }), /--lr-find/);
  const bad = spawnSync(process.execPath, [bin, 'demo', '--epochs', 'x'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /flint demo: --epochs must be a positive integer, got 'x'/);
  const unknown = spawnSync(process.execPath, [bin, 'fly'], { encoding: 'utf8' });
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /unknown command 'fly'/);
});
