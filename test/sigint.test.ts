// Ctrl-C during fit, in a child process: the batch in flight finishes, the fit is cancelled (afterCancelFit and
// afterFit run, so SaveModelCallback reloads and leaves its checkpoint), fit throws FitInterrupted with a clear
// message, and the checkpoint loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, data, nn, torch } from '../src/index.js';
import { interruptWhen } from './helpers.js';

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
  const { code, out, err } = await interruptWhen(['--input-type=module', '-e', child, dir], ['READY']);
  assert.equal(code, 130, `exit code; stderr: ${err}`);
  const lines = out
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('Better model found'));
  assert.deepEqual(lines.slice(0, 1), ['READY']);
  // how far the child got before it saw the signal depends on the machine's speed; the message must name the
  // batch that finished last, at or after the one that printed READY
  const cancelled = /^afterCancelFit after (\d+) (\d+)$/.exec(lines.at(-3) ?? '');
  assert.ok(cancelled, `afterCancelFit line, got ${JSON.stringify(lines)}`);
  const [epoch, iter] = [Number(cancelled[1]), Number(cancelled[2])];
  assert.ok(epoch >= 1, `cancelled in epoch ${epoch}, after READY`);
  assert.equal(lines.at(-2), 'afterFit');
  assert.equal(
    lines.at(-1),
    `FitInterrupted: interrupted (SIGINT) in epoch ${epoch}, batch ${iter}: the fit was cancelled after that batch and its afterFit callbacks ran`,
  );
  assert.ok(!out.includes('finished?'));
  // the best model of epoch 0 was saved and loads into a fresh learner
  const fresh = new Learner(
    data.DataLoaders.fromTensors(torch.randn([8, 4]), torch.randint(0, 2, [8]), torch.randn([8, 4]), torch.randint(0, 2, [8]), { batchSize: 8 }),
    new nn.Linear(4, 2),
    { lossFunc: new nn.CrossEntropyLoss(), path: dir },
  );
  const before = fresh.model.stateDict().weight!.clone();
  fresh.load('model');
  assert.ok(!fresh.model.stateDict().weight!.equal(before), 'weights loaded from the checkpoint');
  before.dispose();
});

// A child whose batch 3 of epoch 0 blocks the thread (as a long native op does) right after printing READY, so
// the parent's Ctrl-C arrives during that batch. Modes: 'once' (one Ctrl-C), 'twice' (afterCancelFit blocks for
// 20 s after printing CANCELLING, and the parent presses Ctrl-C again), 'save' (SaveModelCallback with
// saveOnInterrupt), 'nosave' (without it).
const blocking = `
import { Callback, Learner, FitInterrupted, callbacks, data, nn, torch } from '${index}';
const [dir, mode] = process.argv.slice(1);
const block = (ms) => { const t = Date.now(); while (Date.now() - t < ms); };
torch.manualSeed(0);
const dls = data.DataLoaders.fromTensors(torch.randn([4096, 4]), torch.randint(0, 2, [4096]), torch.randn([64, 4]), torch.randint(0, 2, [64]), { batchSize: 8 });
let last = '';
const probe = new Callback({
  afterBatch: (l) => {
    last = l.epoch + ' ' + l.iter;
    if (l.training && l.epoch === 0 && l.iter === 3) { console.log('READY'); block(1500); }
  },
  afterCancelFit: () => {
    console.log('afterCancelFit after ' + last);
    if (mode === 'twice') { console.log('CANCELLING'); block(20000); console.log('STILL ALIVE'); }
  },
});
const cbs = [probe];
if (mode === 'save' || mode === 'nosave') cbs.push(new callbacks.SaveModelCallback({ saveOnInterrupt: mode === 'save' }));
const learn = new Learner(dls, new nn.Linear(4, 2), { lossFunc: new nn.CrossEntropyLoss(), path: dir, cbs });
learn.logger = () => {};
try {
  await learn.noBar(() => learn.fit(3, 1e-3));
  console.log('finished?');
} catch (e) {
  console.log(e instanceof FitInterrupted ? 'FitInterrupted: ' + e.message : 'other: ' + e);
  process.exit(130);
}
`;

/** Runs the blocking child in `mode`, pressing Ctrl-C when it prints READY and (mode 'twice') CANCELLING. */
async function interrupt(mode: string): Promise<{ dir: string; code: number | null; signal: string | null; out: string; err: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'flint-sigint-'));
  const r = await interruptWhen(['--input-type=module', '-e', blocking, dir, mode], mode === 'twice' ? ['READY', 'CANCELLING'] : ['READY']);
  return { dir, ...r };
}

test('Ctrl-C during a batch cancels the fit right after that batch, not one batch later', async () => {
  const r = await interrupt('once');
  assert.equal(r.code, 130, `exit code; stderr: ${r.err}`);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(lines, [
    'READY',
    'afterCancelFit after 0 3',
    'FitInterrupted: interrupted (SIGINT) in epoch 0, batch 3: the fit was cancelled after that batch and its afterFit callbacks ran',
  ]);
});

test('a second Ctrl-C ends the process at once, even while the thread is blocked', async () => {
  const r = await interrupt('twice');
  // killed by the signal itself (a shell reports status 130), before the blocked callback could go on
  assert.equal(r.signal, 'SIGINT', `exit ${r.code}; stdout: ${r.out}; stderr: ${r.err}`);
  assert.ok(r.out.includes('CANCELLING') && !r.out.includes('STILL ALIVE'), r.out);
});

test('SaveModelCallback interrupted in the first epoch: saveOnInterrupt saves the model as it is; otherwise it warns that no checkpoint exists', async () => {
  const saved = await interrupt('save');
  assert.equal(saved.code, 130, saved.err);
  const file = join(saved.dir, 'models', 'model_interrupted.safetensors');
  assert.match(
    saved.err,
    new RegExp(`SaveModelCallback: interrupted in epoch 0, batch 3: saved the model as it was to ${file.replace(/[.]/g, '\\.')}`),
  );
  assert.ok(!existsSync(join(saved.dir, 'models', 'model.safetensors')), 'no best model: no epoch ended');
  const fresh = new Learner(
    data.DataLoaders.fromTensors(torch.randn([8, 4]), torch.randint(0, 2, [8]), torch.randn([8, 4]), torch.randint(0, 2, [8]), { batchSize: 8 }),
    new nn.Linear(4, 2),
    { lossFunc: new nn.CrossEntropyLoss(), path: saved.dir },
  );
  const before = fresh.model.stateDict().weight!.clone();
  assert.deepEqual(fresh.load('model_interrupted'), { epoch: 0 });
  assert.ok(!fresh.model.stateDict().weight!.equal(before), 'weights loaded from the interrupted checkpoint');
  before.dispose();

  const warned = await interrupt('nosave');
  assert.equal(warned.code, 130, warned.err);
  assert.match(
    warned.err,
    /SaveModelCallback: interrupted in epoch 0 before any checkpoint was saved, so there is no 'model' checkpoint from this fit \(pass saveOnInterrupt: true to save the model at an interruption\)/,
  );
  assert.ok(!existsSync(join(warned.dir, 'models')), 'nothing was saved');
});
