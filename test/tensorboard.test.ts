// TensorBoard event files: CRC-32C and TFRecord framing, SummaryWriter's events, and the TensorBoard callback over
// a fit, each file read back in Python by a strict reader generated with protoc from TensorBoard's own .proto files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, Callback, Learner, callbacks, data, metrics, nn, optim, torch, type Tensor } from '../src/index.js';
import * as tb from '../src/tensorboard/index.js';
import { crc32c, maskCrc, maskedCrc32c } from '../src/tensorboard/crc32c.js';
import { encodeRecord } from '../src/tensorboard/records.js';
import { settle } from './helpers.js';

const READER = fileURLToPath(new URL('../../test/fixtures/tensorboard/read_events.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

// the reader needs protoc (Debian's protobuf-compiler) and Python's protobuf runtime (python3-protobuf)
const missing = (() => {
  if (spawnSync('protoc', ['--version']).status !== 0) return 'protoc is not installed (apt-get install protobuf-compiler)';
  if (spawnSync(PYTHON, ['-c', 'import google.protobuf, numpy']).status !== 0) return 'python3-protobuf or numpy is missing';
  return false;
})();

interface Value {
  tag: string;
  kind: string | null;
  simple_value?: number;
  histo?: { min: number; max: number; num: number; sum: number; sum_squares: number; bucket_limit: number[]; bucket: number[] };
  image?: { height: number; width: number; colorspace: number; magic: string; png_width: number; png_height: number };
  plugin_name?: string;
  hparams?: Record<string, any>;
}
interface Event {
  wall_time: number;
  step: number;
  file_version?: string;
  values?: Value[];
}

function python(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, [READER, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function readEvents(file: string): Event[] {
  const r = python([file]);
  assert.equal(r.status, 0, `read_events.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Event[];
}
/** The values of a tag, in order, with their steps. */
function series(events: Event[], tag: string): { step: number; v: Value }[] {
  return events.flatMap((e) => (e.values ?? []).filter((v) => v.tag === tag).map((v) => ({ step: e.step, v })));
}
function onlyFile(dir: string): string {
  const files = readdirSync(dir);
  assert.equal(files.length, 1, `one event file in ${dir}: ${files}`);
  return join(dir, files[0]!);
}
const f32 = Math.fround;

test('CRC-32C and the TFRecord mask match the published check values', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // mask: rotate right 15, add 0xa282ead8 (mod 2^32)
  assert.equal(maskCrc(0), 0xa282ead8);
  assert.equal(maskCrc(0xe3069283), ((((0xe3069283 >>> 15) | (0xe3069283 << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);
  const rec = encodeRecord(Buffer.from('abc'));
  assert.equal(rec.length, 8 + 4 + 3 + 4);
  assert.equal(rec.readBigUInt64LE(0), 3n);
  assert.equal(rec.readUInt32LE(8), maskedCrc32c(rec.subarray(0, 8)));
  assert.equal(rec.subarray(12, 15).toString(), 'abc');
  assert.equal(rec.readUInt32LE(15), maskedCrc32c(Buffer.from('abc')));
  assert.throws(() => crc32c('abc' as never), /tensorboard\.crc32c: expected a Uint8Array/);
});

test('SummaryWriter: scalars, histograms (as torch.utils.tensorboard bins them), images and hparams read back', { skip: missing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tb-'));
  const w = new tb.SummaryWriter(join(dir, 'run'));
  assert.match(w.path, new RegExp(`/run/events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/\./g, '\\.')}\\.${process.pid}\\.\\d+$`));
  w.addScalar('loss', 0.1, 3);
  w.addScalar('nan', Number.NaN, 4);
  w.addScalar('t', torch.tensor([2.5]), 5);
  torch.manualSeed(1);
  // values on numpy's bin edges, zeros, beyond ±1e20, and a spread: the counts must be numpy's to the bucket
  const edges: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) edges.push(v);
  const spread = Array.from(torch.randn([4000]).mul(10).toTypedArray() as Float32Array);
  const vals = Float64Array.from([
    ...spread,
    0,
    0,
    edges[0]!,
    -edges[0]!,
    edges[200]!,
    -edges[200]!,
    edges.at(-1)!,
    -edges.at(-1)!,
    3e20,
    1e-13,
    -1e-13,
  ]);
  w.addHistogram('h', torch.tensor(vals, { dtype: 'float64' }), 7);
  const img = torch.tensor([0, 0.5, 1, 0.25, 2, -1], { dtype: 'float32' }).reshape([3, 1, 2]);
  w.addImage('float', img, 1);
  w.addImage('grey', torch.randint(0, 256, [1, 5, 7]).to('uint8'), 2);
  w.addHparams({ lr: 0.01, opt: 'adam', bn: true }, { acc: 0.75 });
  w.close();
  w.close();
  assert.throws(() => w.addScalar('x', 1), /closed/);

  const events = readEvents(w.path);
  assert.equal(events[0]!.file_version, 'brain.Event:2');
  assert.deepEqual(
    series(events, 'loss').map((s) => [s.step, s.v.simple_value]),
    [[3, f32(0.1)]],
  );
  assert.equal(series(events, 'nan')[0]!.v.simple_value, 'nan' as never, 'NaN kept (a diverged loss is worth seeing)');
  assert.deepEqual(
    series(events, 't').map((s) => [s.step, s.v.simple_value]),
    [[5, 2.5]],
  );

  const h = series(events, 'h')[0]!;
  assert.equal(h.step, 7);
  const raw = join(dir, 'values.f64');
  writeFileSync(raw, vals);
  const ref = python(['--numpy-histogram', raw]);
  assert.equal(ref.status, 0, ref.stderr);
  const want = JSON.parse(ref.stdout) as Value['histo'] & object;
  const got = h.v.histo!;
  assert.deepEqual(got.bucket_limit, want.bucket_limit, 'the bucket limits');
  assert.deepEqual(got.bucket, want.bucket, 'the counts');
  assert.equal(got.num, vals.length);
  assert.equal(got.min, want.min);
  assert.equal(got.max, want.max);
  assert.ok(Math.abs(got.sum - want.sum) <= 1e-12 * 3e20, `sum ${got.sum} vs ${want.sum}`);
  assert.ok(Math.abs(got.sum_squares - want.sum_squares) <= 1e-12 * want.sum_squares);

  const fl = series(events, 'float')[0]!.v.image!;
  assert.deepEqual([fl.height, fl.width, fl.colorspace, fl.png_height, fl.png_width, fl.magic], [1, 2, 3, 1, 2, '89504e470d0a1a0a']);
  const grey = series(events, 'grey')[0]!.v.image!;
  assert.deepEqual([grey.height, grey.width, grey.colorspace, grey.png_height, grey.png_width], [5, 7, 1, 5, 7]);

  const exp = series(events, '_hparams_/experiment')[0]!.v;
  assert.equal(exp.plugin_name, 'hparams');
  assert.deepEqual(exp.hparams!.experiment, {
    hparam_infos: [
      { name: 'lr', type: 'DATA_TYPE_FLOAT64' },
      { name: 'opt', type: 'DATA_TYPE_STRING' },
      { name: 'bn', type: 'DATA_TYPE_BOOL' },
    ],
    metric_infos: [{ name: { tag: 'acc' } }],
  });
  const ssi = series(events, '_hparams_/session_start_info')[0]!.v.hparams!.session_start_info;
  assert.deepEqual(ssi.hparams, { lr: 0.01, opt: 'adam', bn: true });
  assert.equal(series(events, '_hparams_/session_end_info')[0]!.v.hparams!.session_end_info.status, 'STATUS_SUCCESS');
  assert.deepEqual(
    series(events, 'acc').map((s) => s.v.simple_value),
    [0.75],
  );
});

test('the reader is strict: a cut last record or a flipped byte is an error', { skip: missing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tb-'));
  const w = new tb.SummaryWriter(dir);
  w.addScalar('a', 1, 1);
  w.addScalar('b', 2, 2);
  w.close();
  const bytes = readFileSync(w.path);
  assert.equal(readEvents(w.path).length, 3);
  const cut = join(dir, 'cut');
  for (const n of [1, 4, 30]) {
    writeFileSync(cut, bytes.subarray(0, bytes.length - n));
    const r = python([cut]);
    assert.equal(r.status, 1, `cut by ${n}`);
    assert.match(r.stderr, /truncated record/);
  }
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 6]! ^= 1;
  writeFileSync(cut, flipped);
  assert.match(python([cut]).stderr, /bad data CRC/);
  const badLength = Buffer.from(bytes);
  badLength[0]! ^= 1;
  writeFileSync(cut, badLength);
  assert.match(python([cut]).stderr, /bad length CRC at byte 0/);
});

test('SummaryWriter and TensorBoard refuse bad arguments, naming them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tb-'));
  const w = new tb.SummaryWriter(dir);
  const cases: [() => unknown, RegExp][] = [
    [() => w.addScalar('', 1), /SummaryWriter\.addScalar: expected a non-empty string for tag/],
    [() => w.addScalar('a', '1' as never), /SummaryWriter\.addScalar: expected a number or a one-element tensor for value/],
    [() => w.addScalar('a', 1, -1), /SummaryWriter\.addScalar: expected an integer >= 0 for step/],
    [() => w.addScalar('a', 1, 1.5), /for step/],
    [() => w.addHistogram('h', torch.zeros([0])), /SummaryWriter\.addHistogram: expected a tensor with at least one element for values/],
    [() => w.addHistogram('h', [1, 2] as never), /expected a tensor for values/],
    [() => w.addImage('i', torch.zeros([2, 3, 3])), /SummaryWriter\.addImage: expected an image tensor \[C, H, W\] with 1, 3 or 4 channels for img/],
    [() => w.addImage('i', torch.zeros([3, 3, 3], { dtype: 'int32' })), /a uint8 tensor, or a floating one/],
    [() => w.addHparams({ lr: [1] } as never, {}), /SummaryWriter\.addHparams: expected a number, a string or a boolean for hparams\.lr/],
    [() => w.addHparams({}, { acc: 'x' } as never), /for metrics\.acc/],
    [() => new tb.SummaryWriter(''), /tensorboard\.SummaryWriter: expected a folder path/],
    [() => new callbacks.TensorBoard({ trainFreq: -1 }), /callbacks\.TensorBoard: expected an integer >= 0 for opts\.trainFreq/],
    [() => new callbacks.TensorBoard({ histFreq: 0.5 }), /for opts\.histFreq/],
    [() => new callbacks.TensorBoard({ showResults: 1 as never }), /expected a boolean for opts\.showResults/],
    [() => new callbacks.TensorBoard({ hparams: { a: null } as never }), /for opts\.hparams\.a/],
    [() => new callbacks.TensorBoard({ logdir: 'x' } as never), /expected one of the options .* for opts\.logdir/],
  ];
  for (const [f, re] of cases) assert.throws(f, (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message), String(re));
  w.close();
});

// made once and kept, so learners coming and going do not move the live tensor counts
torch.manualSeed(0);
const xy = [torch.randn([24, 3]), torch.randint(0, 2, [24]), torch.randn([8, 3]), torch.randint(0, 2, [8])].map((t) => t.keep()) as Tensor[];

function learner(cbs: Callback[], dir: string): Learner {
  const dls = data.DataLoaders.fromTensors(xy[0]!, xy[1]!, xy[2]!, xy[3]!, { batchSize: 8, shuffle: false });
  const l = new Learner(dls, new nn.Linear(3, 2), {
    lossFunc: new nn.CrossEntropyLoss(),
    metrics: [metrics.accuracy()],
    optFunc: (p, h) => optim.SGD(p, { ...h, mom: 0.9 }),
    lr: 0.1,
    wd: 0.01,
    cbs,
    path: dir,
  });
  l.logger = () => {};
  return l;
}

test('TensorBoard over a fit: row scalars, per-batch loss/lr/mom, histograms, hparams; no tensor left behind', { skip: missing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tb-fit-'));
  // the gradients and weights the callback should have seen, taken by a probe after it
  const seen: Record<string, { numel: number; min: number; max: number; sum: number }> = {};
  const stats = (t: Tensor) =>
    torch.tidy(() => {
      const d = t.detach().double();
      return { numel: t.numel(), min: d.min().item(), max: d.max().item(), sum: d.sum().item() };
    });
  const probe = new Callback({
    afterBackward: (l) => {
      if (l.iter !== l.nIter - 1) return;
      for (const [n, p] of l.model.namedParameters()) seen[`grads/${n}@${l.trainIter + 1}`] = stats(p.grad!);
    },
    afterEpoch: (l) => {
      if (l.validatingOnly) return;
      for (const [n, p] of l.model.namedParameters()) seen[`weights/${n}@${l.trainIter}`] = stats(p);
    },
  });
  probe.order = 70;
  const l = learner([], dir);
  await l.noBar(() => l.fit(1));
  await settle();
  const before = torch.memory().liveTensors;
  const cb = new callbacks.TensorBoard({ logDir: 'runs/a' });
  await l.noBar(() => l.fitOneCycle(3, 0.05, { cbs: [cb, probe] }));
  assert.equal(cb.writer, null, 'closed after the fit');
  await settle();
  assert.equal(torch.memory().liveTensors, before, 'no tensor left behind');

  const events = readEvents(onlyFile(join(dir, 'runs/a')));
  assert.equal(events[0]!.file_version, 'brain.Event:2');
  const rec = l.recorder!;
  const nIter = 3; // 24 items, batches of 8
  // each epoch's row, at the training step it ended on
  const names = rec.metricNames.slice(1, -1);
  assert.deepEqual(names, ['train_loss', 'valid_loss', 'accuracy']);
  names.forEach((name, col) => {
    assert.deepEqual(
      series(events, name).map((s) => [s.step, s.v.simple_value]),
      rec.values.map((row, e) => [(e + 1) * nIter, f32(row[col]!)]),
      name,
    );
  });
  // every training batch: the smoothed loss, and lr and mom as the one-cycle schedule set them
  const steps = Array.from({ length: 3 * nIter }, (_, i) => i + 1);
  assert.deepEqual(
    series(events, 'batch/lr').map((s) => [s.step, s.v.simple_value]),
    steps.map((s) => [s, f32(rec.lrs[s - 1]!)]),
  );
  assert.deepEqual(
    series(events, 'batch/mom').map((s) => s.v.simple_value),
    rec.hps.mom!.map(f32),
  );
  assert.deepEqual(
    series(events, 'batch/train_loss').map((s) => [s.step, s.v.simple_value]),
    steps.map((s) => [s, f32(rec.losses[s - 1]!)]),
  );
  // histograms of the weights after each epoch and of the gradients of its last batch
  for (const kind of ['weights', 'grads']) {
    for (const p of ['weight', 'bias']) {
      const tag = `${kind}/${p}`;
      const hs = series(events, tag);
      assert.deepEqual(
        hs.map((s) => s.step),
        [3, 6, 9],
        tag,
      );
      for (const { step, v } of hs) {
        const want = seen[`${tag}@${step}`]!;
        const got = v.histo!;
        assert.equal(got.num, want.numel, `${tag}@${step} num`);
        assert.equal(got.min, want.min, `${tag}@${step} min`);
        assert.equal(got.max, want.max, `${tag}@${step} max`);
        assert.ok(Math.abs(got.sum - want.sum) <= 1e-12, `${tag}@${step} sum ${got.sum} vs ${want.sum}`);
        assert.equal(
          got.bucket.reduce((a, b) => a + b, 0),
          want.numel,
          'every value counted',
        );
      }
    }
  }
  // hparams: the experiment (with the row's metrics), the session's values, its end
  const exp = series(events, '_hparams_/experiment')[0]!.v;
  assert.equal(exp.plugin_name, 'hparams');
  assert.deepEqual(
    exp.hparams!.experiment.metric_infos.map((m: { name: { tag: string } }) => m.name.tag),
    names,
  );
  const ssi = series(events, '_hparams_/session_start_info')[0]!.v.hparams!.session_start_info;
  assert.deepEqual(
    { ...ssi.hparams, lr: +ssi.hparams.lr.toPrecision(12) },
    { lr: 0.05, epochs: 3, batch_size: 8, wd: 0.01, model: 'Linear', optimizer: 'SGD' },
  );
  assert.equal(series(events, '_hparams_/session_end_info')[0]!.v.hparams!.session_end_info.status, 'STATUS_SUCCESS');
  l.model.dispose();
});

test('TensorBoard: showResults as an image, options off, nothing during the LR finder', { skip: missing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tb-img-'));
  torch.manualSeed(2);
  const dls = data.DataLoaders.fromTensors(torch.rand([8, 1, 6, 6]), torch.randint(0, 2, [8]), torch.rand([4, 1, 6, 6]), torch.randint(0, 2, [4]), {
    batchSize: 4,
    shuffle: false,
  });
  const cb = new callbacks.TensorBoard({ logDir: 'img', showResults: true, trainFreq: 0, histFreq: 0, hparams: false });
  const l = new Learner(dls, new nn.Sequential(new nn.Flatten(), new nn.Linear(36, 2)), {
    lossFunc: new nn.CrossEntropyLoss(),
    cbs: [cb],
    path: dir,
  });
  l.logger = () => {};
  await l.noBar(() => l.fit(1));
  const events = readEvents(onlyFile(join(dir, 'img')));
  const tags = new Set(events.flatMap((e) => (e.values ?? []).map((v) => v.tag)));
  assert.deepEqual([...tags].sort(), ['results', 'train_loss', 'valid_loss']);
  const img = series(events, 'results')[0]!;
  assert.equal(img.step, 2);
  assert.equal(img.v.image!.magic, '89504e470d0a1a0a');
  assert.deepEqual([img.v.image!.png_width, img.v.image!.png_height], [img.v.image!.width, img.v.image!.height]);
  assert.ok(img.v.image!.width > 10 && img.v.image!.height > 10);

  const lf = new Learner(dls, new nn.Sequential(new nn.Flatten(), new nn.Linear(36, 2)), {
    lossFunc: new nn.CrossEntropyLoss(),
    cbs: [new callbacks.TensorBoard({ logDir: 'lrfind' })],
    path: dir,
  });
  await lf.noBar(() => lf.lrFind({ numIt: 16, showPlot: false }));
  assert.ok(!existsSync(join(dir, 'lrfind')), 'no run for the LR finder');
});

test('TensorBoard: a failed fit ends its session as failed, the file closed and whole; extra hparams recorded', { skip: missing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tb-fail-'));
  const cb = new callbacks.TensorBoard({ logDir: 'run', hparams: { arch: 'tiny', lr: 1 } });
  const boom = new Callback({
    afterEpoch: (l) => {
      if (l.epoch === 1) throw new Error('boom');
    },
  });
  const l = learner([cb, boom], dir);
  await assert.rejects(
    l.noBar(() => l.fit(3)),
    /boom/,
  );
  assert.equal(cb.writer, null);
  const events = readEvents(onlyFile(join(dir, 'run')));
  const ssi = series(events, '_hparams_/session_start_info')[0]!.v.hparams!.session_start_info;
  assert.equal(ssi.hparams.arch, 'tiny');
  assert.equal(ssi.hparams.lr, 1, 'given hparams replace the recorded ones by name');
  assert.equal(series(events, '_hparams_/session_end_info')[0]!.v.hparams!.session_end_info.status, 'STATUS_FAILURE');
  // the second epoch failed before its row was published
  assert.deepEqual(
    series(events, 'valid_loss').map((s) => s.step),
    [3],
  );
  l.model.dispose();
});
