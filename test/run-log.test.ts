// The run record (callbacks.RunLog): run.json and log.jsonl hold what the Recorder recorded, batches at the rate
// asked for, each fit's end with its status; a killed run leaves a readable log; the record costs no tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Callback, CancelFitException, type Learner, callbacks, torch } from '../src/index.js';
import { liveTensors, tinyClassifier } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'flint-runlog-'));
const learner = (cbs: Callback[], path = tmp()): Learner => tinyClassifier({ cbs, path });

test('RunLog writes what the Recorder recorded: columns, every batch when asked, each epoch row, the end and the charts', async () => {
  const dir = tmp();
  const l = learner([new callbacks.RunLog({ dir, batchEveryMs: 0 })]);
  await l.noBar(() => l.fitOneCycle(3, 1e-2));
  const rec = l.recorder!;
  const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as callbacks.RunInfo;
  assert.equal(info.status, 'completed');
  assert.equal(info.fits, 1);
  assert.equal(info.env.libtorch, torch.libtorchVersion);
  assert.equal(info.env.device, 'cpu');
  assert.equal(info.hyper.batchSize, 8);
  assert.equal(info.hyper.model, 'Linear');
  assert.equal(info.hyper.parameters, 10);
  assert.deepEqual(info.hyper.metrics, ['accuracy']);
  const { lines } = callbacks.readRunRecord(dir);
  assert.deepEqual(
    lines.map((x) => x.type),
    ['fit', ...Array.from({ length: 3 }, () => [...Array(5).fill('batch'), 'epoch']).flat(), 'file', 'file', 'end'],
  );
  const fit = lines[0] as callbacks.FitLine;
  assert.deepEqual(fit.names, rec.metricNames);
  assert.equal(fit.nEpoch, 3);
  const batches = lines.filter((x): x is callbacks.BatchLine => x.type === 'batch');
  // one line per training batch: its step, the lr the scheduler set (the Recorder's lrs) and the smoothed loss
  assert.deepEqual(
    batches.map((b) => b.step),
    Array.from({ length: 15 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    batches.map((b) => b.lr),
    rec.lrs,
  );
  assert.ok(batches.every((b) => typeof b.loss === 'number' && typeof b.mom === 'number' && b.iter < b.nIter && b.nIter === 5));
  // the last batch's smoothed loss is the epoch row's train_loss (fastai's: the smoothed loss at the epoch's end)
  const epochs = lines.filter((x): x is callbacks.EpochLine => x.type === 'epoch');
  epochs.forEach((e, i) => {
    assert.equal(e.row.epoch, i);
    assert.equal(e.row.train_loss, rec.values[i]![0]);
    assert.equal(e.row.valid_loss, rec.values[i]![1]);
    assert.equal(e.row.accuracy, rec.values[i]![2]);
    assert.equal(typeof e.row.time, 'string');
    assert.equal(e.step, 5 * (i + 1));
    assert.ok(Math.abs(batches[5 * i + 4]!.loss! - rec.values[i]![0]!) < 1e-6);
  });
  assert.deepEqual(lines.at(-1), { ...lines.at(-1), type: 'end', status: 'completed' });
  for (const f of ['loss.svg', 'loss.png', 'schedule.svg', 'schedule.png']) assert.ok(existsSync(join(dir, f)), f);
});

test('RunLog bounds the batch lines by time (the last batch of each epoch always written); fits append to one run', async () => {
  const dir = tmp();
  const l = learner([new callbacks.RunLog({ dir, batchEveryMs: 1e9, charts: false })]);
  await l.noBar(() => l.fit(2));
  await l.noBar(() => l.fit(1));
  // between fits the process holds no descriptor of the log
  const held = readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === join(dir, 'log.jsonl');
    } catch {
      return false;
    }
  });
  assert.deepEqual(held, []);
  const { info, lines } = callbacks.readRunRecord(dir);
  assert.equal(info!.fits, 2);
  assert.equal(info!.status, 'completed');
  const batches = lines.filter((x): x is callbacks.BatchLine => x.type === 'batch');
  // the first batch (nothing before it) and then only each epoch's last
  assert.deepEqual(
    batches.map((b) => [b.epoch, b.iter, b.step]),
    [
      [0, 0, 1],
      [0, 4, 5],
      [1, 4, 10],
      [0, 0, 11],
      [0, 4, 15],
    ],
  );
  assert.deepEqual(
    lines.filter((x) => x.type === 'fit' || x.type === 'end').map((x) => x.type),
    ['fit', 'end', 'fit', 'end'],
  );
  // a plain fit has no schedule to chart: the loss chart alone
  const dir2 = tmp();
  const l2 = learner([new callbacks.RunLog({ dir: dir2 })]);
  await l2.noBar(() => l2.fit(1));
  assert.deepEqual(
    callbacks
      .readRunRecord(dir2)
      .lines.filter((x): x is callbacks.FileLine => x.type === 'file')
      .map((x) => x.path),
    ['loss.svg'],
  );
  assert.ok(existsSync(join(dir2, 'loss.png')) && !existsSync(join(dir2, 'schedule.svg')));
});

test('RunLog records a cancelled fit and a failed one (the error passed on), and keeps no tensors', async () => {
  class StopAt extends Callback {
    override afterEpoch(): void {
      if (this.learn.epoch === 1) throw new CancelFitException();
    }
  }
  const dir = tmp();
  const l = learner([new callbacks.RunLog({ dir, charts: false }), new StopAt()]);
  await l.noBar(() => l.fit(1));
  const before = liveTensors();
  await l.noBar(() => l.fit(5));
  assert.equal(liveTensors(), before);
  let r = callbacks.readRunRecord(dir);
  assert.equal(r.info!.status, 'cancelled');
  // the first fit's epoch, and the second's first (the stop came before the Recorder published epoch 1)
  assert.equal(r.lines.filter((x) => x.type === 'epoch').length, 2);
  assert.deepEqual(r.lines.at(-1), { ...r.lines.at(-1), type: 'end', status: 'cancelled' });

  class Boom extends Callback {
    override afterBatch(): void {
      throw new Error('boom at a batch');
    }
  }
  const dir2 = tmp();
  const l2 = learner([new callbacks.RunLog({ dir: dir2 }), new Boom()]);
  await assert.rejects(
    l2.noBar(() => l2.fit(1)),
    /boom at a batch/,
  );
  r = callbacks.readRunRecord(dir2);
  assert.equal(r.info!.status, 'failed');
  const end = r.lines.at(-1) as callbacks.EndLine;
  assert.equal(end.status, 'failed');
  assert.match(end.error!, /boom at a batch/);
});

test('a killed run leaves its log readable up to the last line written', async () => {
  const dir = tmp();
  const index = fileURLToPath(new URL('../src/index.js', import.meta.url));
  const script = `
    const { Learner, callbacks, data, nn, torch } = await import(${JSON.stringify(index)});
    const dls = data.DataLoaders.fromTensors(torch.randn([64, 4]), torch.randint(0, 2, [64]), torch.randn([8, 4]), torch.randint(0, 2, [8]), { batchSize: 8 });
    const l = new Learner(dls, new nn.Linear(4, 2), { lossFunc: new nn.CrossEntropyLoss(), cbs: [new callbacks.RunLog({ dir: ${JSON.stringify(dir)}, batchEveryMs: 0 })] });
    l.logger = () => {};
    await l.noBar(() => l.fit(100000));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  // wait for two epochs in the log, then kill without warning
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (callbacks.readRunRecord(dir).lines.filter((x) => x.type === 'epoch').length >= 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const text = readFileSync(join(dir, 'log.jsonl'), 'utf8');
  const { info, lines } = callbacks.readRunRecord(dir);
  assert.equal(info!.status, 'running', 'the killed run never wrote its end');
  assert.ok(lines.filter((x) => x.type === 'epoch').length >= 2);
  assert.equal(lines[0]!.type, 'fit');
  // every complete line parsed; only a torn last line (none here: each line is one write) would be left out
  assert.equal(lines.length, text.split('\n').filter((x) => x !== '').length);
  // a line cut short is dropped, and the lines before it kept
  const cut = text.slice(0, text.length - 5);
  assert.equal(callbacks.parseRunLog(cut).length, lines.length - 1);
});

test('RunLog options are checked', () => {
  assert.throws(() => new callbacks.RunLog({ batchEveryMs: -1 }), /callbacks\.RunLog: expected .* for options\.batchEveryMs, got -1/);
  assert.throws(() => new callbacks.RunLog({ dir: 3 as never }), /callbacks\.RunLog: .*options\.dir/);
  assert.throws(() => new callbacks.RunLog({ charts: 'yes' as never }), /callbacks\.RunLog: .*options\.charts/);
  assert.throws(() => new callbacks.RunLog({ every: 1 } as never), /callbacks\.RunLog: .*every/);
});
