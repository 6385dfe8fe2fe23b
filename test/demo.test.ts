// The main job: the Fashion-MNIST CNN trains with the Learner and one-cycle (a shortened run: the LR finder, then 1
// epoch on 12,000 images; the full demo, 5 epochs on 60,000, reaches 91% and is checked by `npm run demo`), writes
// its charts and weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, torch } from '../src/index.js';
import { execFileSync } from 'node:child_process';
import { demo, makeCnn } from '../examples/demo.js';
import { assertClose, gc } from './helpers.js';

test('the demo CNN has the specified blocks', () => {
  const m = makeCnn();
  assert.equal(m.toString().split('\n')[1], '  (0): Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))');
  assert.deepEqual(
    m.children().map((c) => c.constructor.name),
    ['Conv2d', 'ReLU', 'BatchNorm2d', 'Conv2d', 'ReLU', 'BatchNorm2d', 'Conv2d', 'ReLU', 'BatchNorm2d', 'AdaptiveAvgPool2d', 'Flatten', 'Linear'],
  );
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
  for (const f of [
    'loss.svg',
    'loss.png',
    'schedule.svg',
    'schedule.png',
    'lr_find.svg',
    'lr_find.png',
    'models/model.safetensors',
    'export.safetensors',
  ]) {
    assert.ok(existsSync(join(runDir, f)), f);
  }
  // `flint predict` with the export, on 64 test images as raw bytes in an IDX file, gives the learner's predictions
  const raw = data.readIdx(join(data.FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')).narrow(0, 0, 64).contiguous();
  const idx = join(runDir, 'sample-images-idx3-ubyte');
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  [64, 28, 28].forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(idx, Buffer.concat([header, Buffer.from((raw.toTypedArray() as Uint8Array).buffer)]));
  const bin = new URL('../../bin/flint.js', import.meta.url).pathname;
  const out = execFileSync(process.execPath, [bin, 'predict', r.exportFile, idx], { encoding: 'utf8' }).trim().split('\n');
  const valid = (r.learn.dls.valid.dataset as data.TensorDataset).tensors[0]!.narrow(0, 0, 64);
  const want = torch.tidy(() => {
    r.learn.model.eval();
    const p = r.learn.model.call(valid).softmax(-1);
    const { values, indices } = p.max(1);
    const probs = values.toTypedArray() as Float32Array;
    return Array.from(indices.toTypedArray() as BigInt64Array, (c, i) => `${i + 1},${data.FASHION_MNIST_CLASSES[Number(c)]},${probs[i]!.toFixed(6)}`);
  });
  assert.equal(out[0], 'row,prediction,probability');
  assert.deepEqual(out.slice(1), want);
  torch.dispose([raw, valid]);
  r.learn.model.dispose();
  for (const dl of [r.learn.dls.train, r.learn.dls.valid]) torch.dispose((dl.dataset as data.TensorDataset).tensors);
  r.learn.opt!.clearState();
  r.learn.recorder!.lossMetric.reset();
  r.learn.recorder!.smoothLossMetric.reset();
  for (const m of r.learn.metrics) m.reset();
  gc();
  assert.equal(torch.memory().liveTensors, before, 'nothing left once the model, optimizer state and metrics are released');
});
