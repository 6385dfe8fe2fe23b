// Ctrl-C during fit, in a child process: the batch in flight finishes, the fit is cancelled (afterCancelFit and
// afterFit run, so SaveModelCallback reloads and leaves its checkpoint), fit throws FitInterrupted with a clear
// message, and the checkpoint loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, data, nn, torch } from '../src/index.js';

const index = new URL('../src/index.js', import.meta.url).href;
const child = `
import { Callback, Learner, FitInterrupted, callbacks, data, nn, torch } from '${index}';
torch.manualSeed(0);
const dls = data.DataLoaders.fromTensors(torch.randn([4096, 4]), torch.randint(0, 2, [4096]), torch.randn([64, 4]), torch.randint(0, 2, [64]), { batchSize: 8 });
let last = '';
const probe = new Callback({
  afterBatch: (l) => { last = l.epoch + ' ' + l.iter; if (l.training && l.epoch === 1 && l.iter === 3) console.log('READY'); },
  afterCancelFit: () => console.log('afterCancelFit after ' + last),
  afterFit: () => console.log('afterFit'),
});
const learn = new Learner(dls, new nn.Linear(4, 2), { lossFunc: new nn.CrossEntropyLoss(), path: process.argv[1],
  cbs: [new callbacks.SaveModelCallback(), probe] });
learn.logger = () => {};
try {
  await learn.noBar(() => learn.fit(1000, 1e-3));
  console.log('finished?');
} catch (e) {
  console.log(e instanceof FitInterrupted ? 'FitInterrupted: ' + e.message : 'other: ' + e);
  process.exit(130);
}
`;

test('SIGINT during fit cancels it after the current batch, runs afterFit and leaves a loadable checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-sigint-'));
  const proc = spawn(process.execPath, ['--input-type=module', '-e', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => {
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY') && !proc.killed) proc.kill('SIGINT');
    });
    proc.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, `exit code; stderr: ${err}`);
  const lines = out.trim().split('\n').filter((l) => !l.startsWith('Better model found'));
  assert.deepEqual(lines.slice(0, 1), ['READY']);
  // how far the child got before it saw the signal depends on the machine's speed; the message must name the
  // batch that finished last, at or after the one that printed READY
  const cancelled = /^afterCancelFit after (\d+) (\d+)$/.exec(lines.at(-3) ?? '');
  assert.ok(cancelled, `afterCancelFit line, got ${JSON.stringify(lines)}`);
  const [epoch, iter] = [Number(cancelled[1]), Number(cancelled[2])];
  assert.ok(epoch >= 1, `cancelled in epoch ${epoch}, after READY`);
  assert.equal(lines.at(-2), 'afterFit');
  assert.equal(lines.at(-1), `FitInterrupted: interrupted (SIGINT) in epoch ${epoch}, batch ${iter}: the fit was cancelled after that batch and its afterFit callbacks ran`);
  assert.ok(!out.includes('finished?'));
  // the best model of epoch 0 was saved and loads into a fresh learner
  const fresh = new Learner(data.DataLoaders.fromTensors(torch.randn([8, 4]), torch.randint(0, 2, [8]), torch.randn([8, 4]), torch.randint(0, 2, [8]), { batchSize: 8 }),
    new nn.Linear(4, 2), { lossFunc: new nn.CrossEntropyLoss(), path: dir });
  const before = fresh.model.stateDict().weight!.clone();
  fresh.load('model');
  assert.ok(!fresh.model.stateDict().weight!.equal(before), 'weights loaded from the checkpoint');
  before.dispose();
});
