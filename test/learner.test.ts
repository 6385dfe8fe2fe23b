// The Learner: event order with every cancellation at many points (against an oracle written from
// fastai-semantics.md), errors from callbacks, scoped callbacks, the Recorder, validate, and memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Callback,
  CallbackError,
  EVENTS,
  callbacks,
  CancelBackwardException,
  CancelBatchException,
  CancelEpochException,
  CancelFitException,
  CancelStepException,
  CancelTrainException,
  CancelValidException,
  Learner,
  data,
  metrics,
  nn,
  optim,
  torch,
  type EventName,
  type Tensor,
} from '../src/index.js';
import { gc } from './helpers.js';

type Cancel = new () => Error;
/** Where to throw: an event, in which epoch, phase and batch (any when omitted). */
interface Point {
  event: EventName;
  epoch?: number;
  train?: boolean;
  iter?: number;
  error: Cancel;
}

const N_EPOCH = 2;
const N_TRAIN = 2;
const N_VALID = 1;

/** The expected trace, from the semantics file: every phase is before / body / afterCancel on its own
 * cancellation / after; backward and step only in training; a cancellation of another phase propagates. */
function oracle(point: Point | null): { trace: string[]; escaped: Cancel | null } {
  const trace: string[] = [];
  let epoch = 0;
  let training = false;
  let iter = 0;
  const fire = (e: EventName): void => {
    trace.push(e);
    if (point && point.event === e && (point.epoch ?? epoch) === epoch && (point.train ?? training) === training && (point.iter ?? iter) === iter)
      throw new point.error();
  };
  const withEvents = (name: string, f: () => void, cancel: Cancel): void => {
    const cap = name[0]!.toUpperCase() + name.slice(1);
    try {
      fire(`before${cap}` as EventName);
      f();
    } catch (e) {
      if (!(e instanceof cancel)) throw e;
      fire(`afterCancel${cap}` as EventName);
    }
    fire(`after${cap}` as EventName);
  };
  const batches = (n: number) => {
    for (iter = 0; iter < n; iter++) {
      withEvents(
        'batch',
        () => {
          fire('afterPred');
          fire('afterLoss');
          if (!training) return;
          withEvents('backward', () => {}, CancelBackwardException);
          withEvents('step', () => {}, CancelStepException);
        },
        CancelBatchException,
      );
    }
    iter = 0;
  };
  try {
    withEvents(
      'fit',
      () => {
        for (epoch = 0; epoch < N_EPOCH; epoch++) {
          withEvents(
            'epoch',
            () => {
              training = true;
              withEvents('train', () => batches(N_TRAIN), CancelTrainException);
              training = false;
              withEvents('validate', () => batches(N_VALID), CancelValidException);
            },
            CancelEpochException,
          );
        }
      },
      CancelFitException,
    );
  } catch (e) {
    return { trace, escaped: (e as Error).constructor as Cancel };
  }
  return { trace, escaped: null };
}

class Tracer extends Callback {
  trace: string[] = [];
  constructor(private readonly point: Point | null) {
    super();
  }
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: called by the event methods installed below
  private hit(e: EventName): void {
    this.trace.push(e);
    const p = this.point;
    const l = this.learn;
    if (p && p.event === e && (p.epoch ?? l.epoch) === l.epoch && (p.train ?? l.training) === l.training && (p.iter ?? l.iter) === l.iter) {
      throw new p.error();
    }
  }
}
// every event except afterCreate goes through hit()
for (const e of [
  'beforeFit',
  'beforeEpoch',
  'beforeTrain',
  'beforeBatch',
  'afterPred',
  'afterLoss',
  'beforeBackward',
  'afterCancelBackward',
  'afterBackward',
  'beforeStep',
  'afterCancelStep',
  'afterStep',
  'afterCancelBatch',
  'afterBatch',
  'afterCancelTrain',
  'afterTrain',
  'beforeValidate',
  'afterCancelValidate',
  'afterValidate',
  'afterCancelEpoch',
  'afterEpoch',
  'afterCancelFit',
  'afterFit',
] as EventName[]) {
  (Tracer.prototype as unknown as Record<string, () => void>)[e] = function (this: Tracer) {
    (this as unknown as { hit(e: EventName): void }).hit(e);
  };
}

function smallLearner(cbs: Callback[] = [], shuffle = true): Learner {
  torch.manualSeed(0);
  const x = torch.randn([N_TRAIN * 4, 3]);
  const y = torch.randint(0, 2, [N_TRAIN * 4]);
  const dls = data.DataLoaders.fromTensors(x, y, torch.randn([N_VALID * 4, 3]), torch.randint(0, 2, [N_VALID * 4]), {
    batchSize: 4,
    seed: 1,
    shuffle,
  });
  return new Learner(dls, new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLoss(), cbs, metrics: [metrics.accuracy()] });
}

const points: Point[] = [
  { event: 'beforeBatch', epoch: 0, train: true, iter: 0, error: CancelBatchException },
  { event: 'afterPred', epoch: 1, train: true, iter: 1, error: CancelBatchException },
  { event: 'afterLoss', epoch: 0, train: false, error: CancelBatchException },
  { event: 'beforeBackward', epoch: 0, iter: 1, error: CancelBatchException },
  { event: 'afterStep', epoch: 1, iter: 0, error: CancelBatchException },
  { event: 'beforeBackward', epoch: 0, iter: 0, error: CancelBackwardException },
  { event: 'afterBackward', epoch: 1, iter: 1, error: CancelBackwardException },
  { event: 'beforeStep', epoch: 0, iter: 0, error: CancelStepException },
  { event: 'beforeTrain', epoch: 1, error: CancelTrainException },
  { event: 'afterBatch', epoch: 0, train: true, iter: 0, error: CancelTrainException },
  { event: 'beforeValidate', epoch: 0, error: CancelValidException },
  { event: 'afterPred', epoch: 1, train: false, error: CancelValidException },
  { event: 'beforeEpoch', epoch: 1, error: CancelEpochException },
  { event: 'beforeTrain', epoch: 0, error: CancelEpochException },
  { event: 'afterBatch', epoch: 0, train: true, iter: 1, error: CancelEpochException },
  { event: 'afterValidate', epoch: 0, error: CancelEpochException },
  { event: 'beforeFit', error: CancelFitException },
  { event: 'beforeEpoch', epoch: 1, error: CancelFitException },
  { event: 'afterBatch', epoch: 0, train: true, iter: 0, error: CancelFitException },
  { event: 'afterEpoch', epoch: 0, error: CancelFitException },
  // a cancellation thrown outside its own phase is not caught by the inner phases and escapes fit
  { event: 'afterPred', epoch: 0, train: true, iter: 0, error: CancelBackwardException },
  { event: 'beforeStep', epoch: 0, iter: 0, error: CancelTrainException },
];

test('without cancellations the events follow the semantics file', async () => {
  const tracer = new Tracer(null);
  const learn = smallLearner([tracer]);
  await learn.withoutLogging(() => learn.fit(N_EPOCH));
  assert.deepEqual(tracer.trace, oracle(null).trace);
});

/** Every event, every cancellation, in the second epoch (and at the second batch for batch events), in each
 * phase the event occurs in: each run's trace must be the oracle's. */
const allPoints: Point[] = [];
const cancels: Cancel[] = [
  CancelFitException,
  CancelEpochException,
  CancelTrainException,
  CancelValidException,
  CancelBatchException,
  CancelStepException,
  CancelBackwardException,
];
const trainOnly = new Set([
  'beforeBackward',
  'afterCancelBackward',
  'afterBackward',
  'beforeStep',
  'afterCancelStep',
  'afterStep',
  'beforeTrain',
  'afterCancelTrain',
  'afterTrain',
]);
const validOnly = new Set(['beforeValidate', 'afterCancelValidate', 'afterValidate']);
for (const event of EVENTS.filter((e) => e !== 'afterCreate')) {
  const batchLevel = [
    'beforeBatch',
    'afterPred',
    'afterLoss',
    'beforeBackward',
    'afterCancelBackward',
    'afterBackward',
    'beforeStep',
    'afterCancelStep',
    'afterStep',
    'afterCancelBatch',
    'afterBatch',
  ].includes(event);
  const fitLevel = event === 'beforeFit' || event === 'afterFit' || event === 'afterCancelFit';
  const phases: (boolean | undefined)[] = trainOnly.has(event) ? [true] : validOnly.has(event) ? [false] : batchLevel ? [true, false] : [undefined];
  for (const train of phases) {
    for (const error of cancels) {
      allPoints.push({ event, error, epoch: fitLevel ? undefined : 1, train, iter: batchLevel && train ? 1 : batchLevel ? 0 : undefined });
    }
  }
}

for (const p of [...points, ...allPoints]) {
  test(`${p.error.name} at ${p.event} (epoch ${p.epoch ?? 'any'}, ${p.train === undefined ? 'any phase' : p.train ? 'train' : 'valid'}, batch ${p.iter ?? 'any'})`, async () => {
    const tracer = new Tracer(p);
    const learn = smallLearner([tracer]);
    const expected = oracle(p);
    if (expected.escaped) {
      await assert.rejects(
        learn.withoutLogging(() => learn.fit(N_EPOCH)),
        (e: unknown) => e instanceof expected.escaped!,
      );
    } else {
      await learn.withoutLogging(() => learn.fit(N_EPOCH));
    }
    assert.deepEqual(tracer.trace, expected.trace);
    assert.equal(tracer.run, true);
  });
}

test('CancelBatch skips zeroGrad (gradients accumulate), CancelStep still zeroes', async () => {
  const skipEveryOther = new Callback({
    afterBackward: (l) => {
      if (l.iter % 2 === 0) throw new CancelBatchException();
    },
  });
  const learn = smallLearner([skipEveryOther]);
  const seen: number[] = [];
  learn.addCb(
    new Callback({
      beforeStep: (l) => {
        seen.push(torch.tidy(() => (l.model as nn.Linear).weight.grad!.abs().sum().item()));
      },
    }),
  );
  await learn.withoutLogging(() => learn.fit(1));
  assert.equal(seen.length, 1, 'only the second batch steps');
  const stepOff = smallLearner([
    new Callback({
      beforeStep: () => {
        throw new CancelStepException();
      },
    }),
  ]);
  const w = (stepOff.model as nn.Linear).weight.clone();
  await stepOff.withoutLogging(() => stepOff.fit(1));
  assert.ok((stepOff.model as nn.Linear).weight.equal(w), 'no step ran');
  assert.equal((stepOff.model as nn.Linear).weight.grad!.abs().sum().item(), 0, 'zeroGrad still ran');
});

test('an error in a callback is wrapped with the callback and event names; fit-only callbacks are removed', async () => {
  class Boom extends Callback {
    override afterLoss(): void {
      throw new TypeError('bad value');
    }
  }
  const learn = smallLearner();
  const before = learn.cbs.length;
  await assert.rejects(learn.fit(1, undefined, { cbs: [new Boom()] }), (e: unknown) => {
    assert.ok(e instanceof CallbackError);
    assert.equal(e.message, 'Exception occurred in `Boom` when calling event `afterLoss`: bad value');
    assert.ok(e.cause instanceof TypeError);
    return true;
  });
  assert.equal(learn.cbs.length, before);
  for (const thrown of [undefined, 'plain string', new Error()]) {
    const l = smallLearner([
      new Callback({
        beforeFit: () => {
          throw thrown;
        },
      }),
    ]);
    await assert.rejects(l.fit(1), /Exception occurred in `Callback` when calling event `beforeFit`: /);
  }
});

test('callbacks: order, run switches, names, handlers, scoped add and remove', async () => {
  const order: string[] = [];
  class Late extends Callback {
    override order = 5;
    override beforeFit(): void {
      order.push('late');
    }
  }
  class EarlyCallback extends Callback {
    override order = -5;
    override beforeFit(): void {
      order.push('early');
    }
  }
  const learn = smallLearner([
    new Late(),
    new EarlyCallback(),
    new Callback({
      beforeFit: () => {
        order.push('zero');
      },
    }),
  ]);
  await learn.withoutLogging(() => learn.fit(1));
  assert.deepEqual(order, ['early', 'zero', 'late']);
  assert.equal(new EarlyCallback().name, 'early');
  assert.equal(learn.trainEval!.name, 'trainEval');
  assert.equal(learn.cb('recorder'), learn.recorder);
  let validBatches = 0;
  const trainOnly = new Callback({
    afterBatch: (l) => {
      if (!l.training) validBatches++;
    },
  });
  trainOnly.runValid = false;
  await learn.withCbs([trainOnly], () => learn.withoutLogging(() => learn.fit(1)));
  assert.equal(validBatches, 0);
  assert.ok(!learn.cbs.includes(trainOnly));
  await learn.withoutCbs([learn.recorder!], async () => {
    assert.equal(learn.recorder, undefined);
  });
  assert.ok(learn.recorder);
  let ran = 0;
  const off = new Callback({
    afterEpoch: () => {
      ran++;
    },
    beforeFit: (l) => {
      void l;
    },
  });
  off.run = false;
  learn.addCb(off);
  await learn.withoutLogging(() => learn.fit(1));
  assert.equal(ran, 0);
  assert.equal(off.run, true, 'run resets to true after fit');
});

test('Recorder: names, values, losses, lrs, iters; validate keeps the history and logs nothing', async () => {
  const rows: unknown[][] = [];
  const learn = smallLearner();
  learn.logger = (r) => rows.push(r);
  await learn.noBar(() => learn.fit(2, 0.01));
  const r = learn.recorder!;
  assert.deepEqual(r.metricNames, ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
  assert.equal(r.values.length, 2);
  assert.equal(r.losses.length, 2 * N_TRAIN);
  assert.deepEqual(r.lrs, new Array(2 * N_TRAIN).fill(0.01));
  assert.deepEqual(r.iters, [N_TRAIN, 2 * N_TRAIN]);
  assert.equal(rows.length, 2);
  assert.match(String(rows[1]![4]), /^\d\d:\d\d$/);
  assert.ok(Math.abs(r.losses[r.losses.length - 1]! - learn.smoothLoss!) < 1e-6);
  const values = r.values.map((v) => [...v]);
  const res = await learn.validate();
  assert.deepEqual(r.values, values, 'validate does not clobber values (fastai#4132)');
  assert.equal(rows.length, 2, 'validate logs nothing');
  assert.equal(res.length, 2);
  assert.ok(Math.abs(res[0]! - values[1]![1]!) < 1e-6, 'validation loss of the trained model');
});

test('a cancelled phase leaves its columns out of the row', async () => {
  const rows: unknown[][] = [];
  const learn = smallLearner([
    new Callback({
      beforeValidate: () => {
        throw new CancelValidException();
      },
    }),
  ]);
  learn.logger = (r) => rows.push(r);
  await learn.noBar(() => learn.fit(1));
  assert.equal(rows[0]!.length, 3, 'epoch, train_loss, time');
});

test("the epoch table prints in fastprogress's layout", async () => {
  const lines: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  const learn = smallLearner();
  (process.stdout as { write: unknown }).write = (s: string) => {
    lines.push(s);
    return true;
  };
  try {
    await learn.fit(2);
  } finally {
    (process.stdout as { write: unknown }).write = orig;
  }
  // not a terminal here: the plain progress lines ('epoch 1/2 train 1/2 ...') come between the table's lines
  const text = lines
    .join('')
    .split('\n')
    .filter((l) => l && !/^epoch \d+\/\d+ /.test(l));
  assert.equal(text[0], 'epoch     train_loss  valid_loss  accuracy  time');
  assert.match(text[1]!, /^0 {9}\d\.\d{6} {4}\d\.\d{6} {4}\d\.\d{6} {2}\d\d:\d\d$/);
  assert.match(text[2]!, /^1 {9}/);
});

test("a 3-epoch fit leaves only the model, the optimizer state and the recorder's smoothed loss alive", async () => {
  const learn = smallLearner();
  await learn.withoutLogging(() => learn.fit(1)); // the optimizer state exists from here on
  gc();
  const before = torch.memory().liveTensors;
  await learn.withoutLogging(() => learn.fit(3));
  gc();
  assert.equal(torch.memory().liveTensors, before);
});

test('fit stays responsive: timers run during a long fit', async () => {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([4096, 64]), torch.randint(0, 2, [4096]), torch.randn([64, 64]), torch.randint(0, 2, [64]), {
    batchSize: 8,
  });
  const learn = new Learner(dls, new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 2)), {
    lossFunc: new nn.CrossEntropyLoss(),
  });
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
  }, 20);
  const t0 = performance.now();
  await learn.withoutLogging(() => learn.fit(1));
  clearInterval(timer);
  const ms = performance.now() - t0;
  assert.ok(ticks >= Math.floor(ms / 200), `${ticks} timer ticks in ${ms.toFixed(0)} ms`);
});

test('host reads are per epoch, not per batch (counted by the engine)', async () => {
  const readsFor = async (items: number): Promise<number> => {
    torch.manualSeed(0);
    const dls = data.DataLoaders.fromTensors(
      torch.randn([items, 3]),
      torch.randint(0, 2, [items]),
      torch.randn([items, 3]),
      torch.randint(0, 2, [items]),
      { batchSize: 4 },
    );
    const learn = new Learner(dls, new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLoss(), metrics: [metrics.accuracy(), metrics.errorRate()] });
    const before = torch.hostReads();
    await learn.withoutLogging(() => learn.fit(2));
    return torch.hostReads() - before;
  };
  const few = await readsFor(16); // 4 batches per phase
  const many = await readsFor(128); // 32 batches per phase
  assert.equal(many, few, `host reads grow with batches: ${few} for 4 batches, ${many} for 32`);
  assert.ok(few <= 2 * 6, `${few} host reads over 2 epochs`);
});

test('getPreds: activation and decodes from the loss function, targets, inputs and per-item losses; predict', async () => {
  torch.manualSeed(0);
  const xv = torch.randn([10, 3]).keep();
  const yv = torch.randint(0, 2, [10]).keep();
  const dls = data.DataLoaders.fromTensors(torch.randn([16, 3]), torch.randint(0, 2, [16]), xv, yv, { batchSize: 4 });
  const learn = new Learner(dls, new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLossFlat() });
  await learn.withoutLogging(() => learn.fit(1));
  gc();
  const before = torch.memory().liveTensors;
  const r = await learn.getPreds({ withInput: true, withDecoded: true, withLoss: true });
  const [validLoss] = await learn.validate();
  const p = learn.predict(xv.select(0, 3));
  torch.tidy(() => {
    assert.deepEqual([...r.preds.shape], [10, 2]);
    assert.ok(r.preds.sum(1).allclose(torch.ones([10])), 'softmax from CrossEntropyLossFlat.activation');
    assert.ok(r.targs!.equal(yv));
    assert.ok(r.inputs!.equal(xv));
    assert.ok(r.decoded!.equal(r.preds.argmax(1)));
    assert.ok(Math.abs(r.losses!.mean().item() - validLoss!) < 1e-6, 'per-item losses average to the validation loss');
    assert.ok(p.probs.allclose(r.preds.select(0, 3), 1e-5, 1e-6));
    assert.equal(p.decoded.item(), r.decoded!.select(0, 3).item());
  });
  assert.equal(((learn.lossFunc as nn.CrossEntropyLossFlat).func as nn.CrossEntropyLoss).reduction, 'mean', 'reduction restored');
  torch.dispose([r, p]);
  gc();
  assert.equal(torch.memory().liveTensors, before, 'getPreds and predict leave nothing behind once disposed');
  const raw = await learn.getPreds({ act: (x) => x.mul(2) });
  assert.deepEqual([...raw.preds.shape], [10, 2]);
  torch.dispose(raw);
});

test('showTrainingLoop lists the callbacks at each event, in order', () => {
  const learn = smallLearner([new Callback({ afterLoss: () => {} })]);
  const text = learn.showTrainingLoop(() => {});
  const lines = text.split('\n');
  // the progress table subscribes to the log around the fit (issue 9): it wraps phases rather than handling fit events
  assert.equal(lines[0], 'around              : [Recorder (fit), ProgressCallback (fit)]');
  assert.equal(lines[1], 'Start Fit');
  assert.equal(lines[2], '   - beforeFit          : [TrainEvalCallback, Recorder]');
  assert.ok(lines.includes('         - afterLoss          : [Callback]'));
  assert.ok(lines.includes('         - afterBatch         : [TrainEvalCallback, Recorder, ProgressCallback]'));
  assert.ok(lines.includes('     - afterCancelTrain   : [Recorder]'));
  assert.equal(lines[lines.length - 1], ' - afterFit           : [Recorder]');
});

test('save / load: weights by PyTorch keys and the optimizer state, resuming exactly', async () => {
  const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'flint-learn-'));
  const a = smallLearner([], false); // unshuffled, so both runs see the same batches
  (a as { path: string }).path = dir;
  await a.withoutLogging(() => a.fit(1));
  const file = a.save('stage1');
  assert.ok(file.endsWith('models/stage1.safetensors'));
  assert.deepEqual(
    Object.keys(torch.load(file))
      .filter((k) => !k.startsWith('opt/'))
      .sort(),
    ['bias', 'weight'],
  );
  await a.withoutLogging(() => a.fit(1));
  const b = smallLearner([], false);
  (b as { path: string }).path = dir;
  b.load('stage1');
  assert.equal(b.opt!.state.get((b.model as nn.Linear).weight)!.step, 2, 'optimizer step count restored');
  await b.withoutLogging(() => b.fit(1));
  torch.tidy(() => {
    assert.ok((a.model as nn.Linear).weight.allclose((b.model as nn.Linear).weight, 1e-6, 1e-7), 'resumed training matches');
  });
  assert.throws(() => b.load('missing'), /cannot read .*missing\.safetensors/);
});

test('resuming from a SaveModelCallback checkpoint repeats the uninterrupted one-cycle run exactly (shuffled data)', async () => {
  const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'flint-resume-'));
  const run = async (resume: boolean): Promise<{ losses: number[][]; valid: number[]; weight: number[] }> => {
    const learn = smallLearner([], true);
    (learn as { path: string }).path = dir;
    const losses: number[][] = [[], [], [], []];
    learn.addCb(
      new Callback({
        afterLoss: (l) => {
          if (l.training) losses[l.epoch]!.push(l.loss!.item());
        },
      }),
    );
    let startEpoch = 0;
    if (resume) {
      const { epoch } = learn.load('model_1');
      assert.equal(epoch, 1, 'the checkpoint records the epoch it was taken after');
      startEpoch = epoch! + 1;
    }
    const cbs = resume ? [] : [new callbacks.SaveModelCallback({ everyEpoch: true, withOpt: true })];
    await learn.withoutLogging(() => learn.fitOneCycle(4, 1e-2, { cbs, startEpoch }));
    const valid = learn.recorder!.values.map((r) => r[1]!);
    return { losses, valid, weight: Array.from((learn.model as nn.Linear).weight.toTypedArray() as Float32Array) };
  };
  const whole = await run(false);
  const resumed = await run(true);
  assert.deepEqual(resumed.losses.slice(0, 2), [[], []], 'epochs 0 and 1 are skipped');
  assert.deepEqual(resumed.losses.slice(2), whole.losses.slice(2), 'every batch loss of epochs 2 and 3 is identical');
  assert.deepEqual(resumed.valid, whole.valid.slice(2), 'validation losses identical');
  assert.deepEqual(resumed.weight, whole.weight, 'the final weights are bit-identical');
});

test('plotLoss writes an SVG and a PNG with the training and validation losses', async () => {
  const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'flint-plot-'));
  const learn = smallLearner();
  await learn.withoutLogging(() => learn.fit(3));
  const svg = learn.recorder!.plotLoss({ skipStart: 0, file: `${dir}/loss` });
  assert.match(svg, /^<svg [^>]*width="720" height="420"/);
  assert.match(svg, />train</);
  assert.match(svg, />valid</);
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(`${dir}/loss.svg`, 'utf8'), svg);
  const png = readFileSync(`${dir}/loss.png`);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
});

test('a multi-part loss trains on the weighted sum and logs each part on both phases', async () => {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([32, 3]), torch.randint(0, 2, [32]), torch.randn([16, 3]), torch.randint(0, 2, [16]), {
    batchSize: 8,
  });
  const lossFunc = new nn.MultiLoss({ ce: new nn.CrossEntropyLoss(), l2: (p) => p.square().mean() }, { l2: 0.1 });
  const learn = new Learner(dls, new nn.Linear(3, 2), { lossFunc });
  const rows: unknown[][] = [];
  learn.logger = (r) => rows.push(r);
  await learn.noBar(() => learn.fit(2));
  assert.deepEqual(learn.recorder!.metricNames, ['epoch', 'train_loss', 'train_ce', 'train_l2', 'valid_loss', 'valid_ce', 'valid_l2', 'time']);
  const [, , , , validLoss, validCe, validL2] = rows[1] as number[];
  assert.ok(Math.abs(validLoss! - (validCe! + 0.1 * validL2!)) < 1e-6, 'valid loss = ce + 0.1 l2');
  assert.throws(() => new nn.MultiLoss({ a: (p) => p }, { b: 1 }), /nn\.MultiLoss: .*weights\.b/);
});

test('CastToTensor: callbacks before order 9 see typed tensors, the model sees plain ones', async () => {
  torch.manualSeed(0);
  const x = torch.randn([16, 3]).as(data.TensorImage);
  const y = torch.randint(0, 2, [16]).as(data.TensorCategory);
  const dls = data.DataLoaders.fromTensors(x, y, torch.randn([8, 3]).as(data.TensorImage), torch.randint(0, 2, [8]).as(data.TensorCategory), {
    batchSize: 4,
  });
  const seen: string[] = [];
  class Probe extends nn.Module {
    readonly lin = this.registerModule('lin', new nn.Linear(3, 2));
    forward(inp: Tensor): Tensor {
      seen.push(`model:${inp.constructor.name}`);
      return this.lin.call(inp);
    }
  }
  const early = new Callback({
    beforeBatch: (l) => {
      seen.push(`early:${l.xb[0]!.constructor.name}/${l.yb[0]!.constructor.name}`);
    },
  });
  early.order = 5;
  const learn = new Learner(dls, new Probe(), { lossFunc: new nn.CrossEntropyLoss(), cbs: [early] });
  await learn.withoutLogging(() => learn.fit(1));
  assert.equal(seen[0], 'early:TensorImage/TensorCategory');
  assert.equal(seen[1], 'model:Tensor');
  assert.ok(learn.cbs.some((c) => c instanceof callbacks.CastToTensor));
  assert.equal(data.isTyped(x), true);
});

test('fit with startEpoch skips the earlier epochs (no rows, no training); noLogging is withoutLogging', async () => {
  const learn = smallLearner([], false);
  const rows: unknown[][] = [];
  learn.logger = (r) => rows.push(r);
  const w = (learn.model as nn.Linear).weight.clone().keep();
  let trained = 0;
  learn.addCb(
    new Callback({
      afterStep: () => {
        trained++;
      },
    }),
  );
  await learn.noBar(() => learn.fit(3, undefined, { startEpoch: 2 }));
  assert.deepEqual(
    rows.map((r) => r[0]),
    [2],
    'only epoch 2 ran and logged',
  );
  assert.equal(trained, N_TRAIN);
  assert.ok(!(learn.model as nn.Linear).weight.equal(w));
  w.dispose();
  rows.length = 0;
  await learn.noLogging(() => learn.noBar(() => learn.fit(1)));
  assert.equal(rows.length, 0);
});

test('plotLoss takes the validation loss by its column, also with train metrics on (fastai#3480)', async () => {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([32, 3]), torch.randint(0, 2, [32]), torch.randn([16, 3]), torch.randint(0, 2, [16]), {
    batchSize: 8,
  });
  const learn = new Learner(dls, new nn.Linear(3, 2), {
    lossFunc: new nn.CrossEntropyLoss(),
    metrics: [metrics.accuracy()],
    defaultCbs: false,
    cbs: [callbacks.TrainEvalCallback, new callbacks.Recorder({ trainMetrics: true })],
  });
  learn.logger = () => {};
  await learn.fit(2);
  const r = learn.cb<callbacks.Recorder>('recorder')!;
  assert.deepEqual(r.metricNames, ['epoch', 'train_loss', 'train_accuracy', 'valid_loss', 'valid_accuracy', 'time']);
  assert.deepEqual(
    r.validLossPoints(),
    r.values.map((v, i) => [r.iters[i]!, v[2]!]),
  );
});

// ---- review fixes: metric classes, lr=null, tuple predictions, scheduled fits through fit, nested validate ----
function tinyLearner(o: ConstructorParameters<typeof Learner>[2] = {}, model: nn.Module = new nn.Linear(3, 2)): Learner {
  const d = data.DataLoaders.fromTensors(torch.randn([16, 3]), torch.randint(0, 2, [16]), torch.randn([8, 3]), torch.randint(0, 2, [8]), {
    batchSize: 4,
  });
  const l = new Learner(d, model, { lossFunc: new nn.CrossEntropyLoss(), ...o });
  l.removeCb(callbacks.ProgressCallback);
  l.logger = () => {};
  return l;
}

test('metric classes given uncalled are made by the Learner (fastai passes classes)', async () => {
  const l = tinyLearner({ metrics: [metrics.AvgSmoothLoss, metrics.Dice, metrics.accuracy] });
  assert.ok(l.metrics[0] instanceof metrics.AvgSmoothLoss);
  assert.ok(l.metrics[1] instanceof metrics.Dice);
  const noTrain = tinyLearner({ metrics: [metrics.AvgSmoothLoss] });
  await noTrain.fit(1);
  assert.ok(Number.isFinite(noTrain.recorder!.values[0]![2]), 'the metric was computed');
});

test('lr null is the default learning rate (fastai lr=None) in fit and the scheduled fits', async () => {
  const l = tinyLearner({ lr: 0.02 });
  await l.fit(1, null);
  assert.equal(l.opt!.hypers[0]!.lr, 0.02);
  await l.fitOneCycle(1, null);
  assert.ok(Math.abs(Math.max(...l.recorder!.lrs) - 0.02) < 2e-3, 'one-cycle peaks near the default lr');
  await l.fitFlatCos(1, null);
  assert.equal(l.recorder!.lrs[0], 0.02);
  await l.fitSgdr(1, 1, null);
  assert.equal(l.recorder!.lrs[0], 0.02);
});

test('a slice lr follows the optimizer rule: a start of 0 or null means none, a start needs a positive stop', async () => {
  const l = tinyLearner();
  await l.fit(1, { start: 0, stop: 0.01 });
  assert.equal(l.opt!.hypers[0]!.lr, 0.01);
  await l.fit(1, { start: null as never, stop: 0.03 });
  assert.equal(l.opt!.hypers[0]!.lr, 0.03);
  await l.fit(1, { stop: 0 });
  await assert.rejects(
    l.fit(1, { start: 1e-4, stop: 0 }),
    /^ArgumentError: Learner\.fit: expected a positive number with a start .* for lr\.stop, got 0$/m,
  );
  await assert.rejects(l.fit(1, { start: -1, stop: 1 }), /^ArgumentError: Learner\.fit: expected a finite number >= 0 for lr\.start, got -1$/m);
});

test('a model returning several predictions (an array or object of tensors) trains with a loss that combines them', async () => {
  class Two extends nn.Module {
    a = this.registerModule('a', new nn.Linear(3, 2));
    b = this.registerModule('b', new nn.Linear(3, 2));
    override forward(x: Tensor): Tensor {
      return [this.a.call(x), { b: this.b.call(x) }] as unknown as Tensor;
    }
  }
  const ce = new nn.CrossEntropyLoss();
  const model = new Two();
  const l = tinyLearner(
    {
      lossFunc: (p: Tensor, y: Tensor) => {
        const [a, { b }] = p as unknown as [Tensor, { b: Tensor }];
        return ce.call(a.add(b), y);
      },
    },
    model,
  );
  const before = model.b.weight.clone();
  await l.fit(2, 0.1);
  assert.ok(Number.isFinite(l.recorder!.values[1]![0]!), 'a training loss');
  assert.ok(before.sub(model.b.weight).abs().max().item() > 0, 'the second head trained');
  before.dispose();
  class Bad extends Two {
    override forward(x: Tensor): Tensor {
      const t = this.a.call(x);
      t.dispose();
      return [t] as unknown as Tensor;
    }
  }
  await assert.rejects(
    tinyLearner({}, new Bad()).fit(1),
    /the model's forward returned \[a disposed tensor.*\]; the Learner expects a tensor of predictions/,
  );
  class Empty extends Two {
    override forward(): Tensor {
      return [] as unknown as Tensor;
    }
  }
  await assert.rejects(tinyLearner({}, new Empty()).fit(1), /the model's forward returned \[\]; the Learner expects a tensor/);
});

test('the scheduled fits and lrFind go through fit, so a subclass overriding fit runs', async () => {
  const calls: string[] = [];
  class Logged extends Learner {
    override async fit(...a: Parameters<Learner['fit']>): Promise<void> {
      calls.push(`fit ${a[0]}`);
      await new Promise((r) => setImmediate(r)); // an override may await before handing over
      return super.fit(...a);
    }
  }
  const d = data.DataLoaders.fromTensors(torch.randn([16, 3]), torch.randint(0, 2, [16]), torch.randn([8, 3]), torch.randint(0, 2, [8]), {
    batchSize: 4,
  });
  const l = new Logged(d, new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLoss() });
  l.removeCb(callbacks.ProgressCallback);
  l.logger = () => {};
  await l.fitOneCycle(1);
  await l.fitFlatCos(2);
  await l.fitSgdr(2, 1, undefined, { cycleMult: 1 });
  await l.lrFind({ numIt: 12, showPlot: false, suggestFuncs: { first: (lrs, losses) => ({ lr: lrs[0]!, point: [lrs[0]!, losses[0]!] }) } });
  await l.fineTune(1, 1e-3, { freezeEpochs: 1 });
  assert.deepEqual(calls, ['fit 1', 'fit 2', 'fit 2', 'fit 4', 'fit 1', 'fit 1']);
});

test('a validate awaited in afterBatch gives the fit back its batch, phase and model mode', async () => {
  const seen: [boolean, boolean][] = [];
  let done = false;
  const l = tinyLearner({}, new nn.Sequential(new nn.Linear(3, 4), new nn.Dropout(0.5), new nn.Linear(4, 2)));
  await l.fit(1, undefined, {
    cbs: [
      new Callback({
        afterBatch: async (learn) => {
          if (learn.validatingOnly || done) return;
          done = true;
          await learn.validate();
        },
        beforeBackward: (learn) => {
          seen.push([learn.training, learn.model.training]);
        },
      }),
    ],
  });
  assert.equal(seen.length, 4, 'every training batch reached backward');
  assert.deepEqual(seen, [
    [true, true],
    [true, true],
    [true, true],
    [true, true],
  ]);
});

test('a removed callback no longer points at the learner (fastai remove_cb), by instance and by class', () => {
  const l = smallLearner();
  class Probe extends Callback {}
  const a = new Probe();
  const b = new Probe();
  l.addCbs([a, b]);
  assert.equal(a.learn, l);
  l.removeCb(a);
  assert.ok(!l.cbs.includes(a));
  assert.throws(() => a.learn, /Probe is not attached to a Learner/);
  assert.equal(b.learn, l, 'the other instance stays attached');
  l.removeCb(Probe);
  assert.throws(() => b.learn, /Probe is not attached to a Learner/);
  l.addCb(a);
  assert.equal(a.learn, l, 'adding it again attaches it again');
});

test('reading learn.smoothLoss in afterBatch leaves learn.loss alive for later callbacks (issue 9)', async () => {
  const reads: [number | null, number][] = [];
  const early = new Callback({
    afterBatch: (l) => {
      if (l.training) l.smoothLoss;
    },
  });
  const late = new Callback({
    afterBatch: (l) => {
      if (l.training) reads.push([l.smoothLoss, l.loss!.item()]);
    },
  });
  late.order = 100;
  const l = smallLearner([early, late]);
  await l.noBar(() => l.fit(1));
  assert.equal(reads.length, N_TRAIN);
  for (const [smooth, loss] of reads) {
    assert.ok(Number.isFinite(loss));
    assert.ok(smooth === null || Number.isFinite(smooth));
  }
});

test('getPreds on a shuffled, dropLast loader returns every item in dataset order (fastai dl.new(shuffle=False, drop_last=False))', async () => {
  torch.manualSeed(3);
  const x = torch.randn([10, 3]).keep();
  const y = torch.randint(0, 2, [10]).keep();
  const dls = data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 4 });
  assert.ok(dls.train.shuffle && dls.train.dropLast, 'the training loader shuffles and drops its last partial batch');
  const model = new nn.Linear(3, 2);
  const l = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLoss() });
  const epochBefore = dls.train.epoch;
  const { preds, targs } = await l.getPreds({ dl: dls.train, act: (t) => t });
  assert.deepEqual([...preds.shape], [10, 2]);
  const want = torch.noGrad(() => model.call(x));
  assert.ok(preds.sub(want).abs().max().item() < 1e-6, 'predictions in dataset order');
  assert.deepEqual(targs!.toArray(), y.toArray());
  assert.equal(dls.train.epoch, epochBefore, "the training loader's shuffle counter is untouched");
  // the copy keeps the loader's other options
  const copy = dls.train.new({ shuffle: false });
  assert.equal(copy.batchSize, 4);
  assert.equal(copy.dropLast, true);
  assert.equal(copy.length, 2);
  torch.dispose([preds, targs, want, x, y]);
});

test('predict returns the decoded label beside the index and probabilities when the data has a vocabulary (fastai)', () => {
  torch.manualSeed(5);
  const x = torch.randn([8, 3]).keep();
  const y = torch.randint(0, 3, [8]).keep();
  const dls = data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 4 });
  const stats = data.normStats(x, [0]);
  const learn = new Learner(dls, new nn.Linear(3, 3), { lossFunc: new nn.CrossEntropyLossFlat() });
  const plain = learn.predict(x.select(0, 2));
  assert.equal(plain.label, null, 'no vocabulary: no label');
  dls.preprocessing = data.imagePreprocessing(stats, [3], { vocab: ['cat', 'dog', 'bird'] });
  const p = learn.predict(x.select(0, 2));
  const index = p.decoded.item();
  assert.equal(index, p.probs.argmax().item());
  assert.equal(p.label, ['cat', 'dog', 'bird'][index]);
  assert.ok(Math.abs(p.probs.sum().item() - 1) < 1e-6);
  torch.dispose([plain, p, x, y, stats]);
});

test('SaveModelCallback keeps the optimizer state by default; a resume without optimizer state warns (issue 9)', async (t) => {
  const { mkdtempSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'flint-savemodel-'));
  const learn = smallLearner([new callbacks.SaveModelCallback({ everyEpoch: true })]);
  (learn as { path: string }).path = dir;
  await learn.noBar(() => learn.fit(2));
  const saved = torch.load(join(dir, 'models', 'model_0.safetensors'));
  assert.ok(
    Object.keys(saved).some((k) => k.startsWith('opt/')),
    'the checkpoint holds the optimizer state',
  );
  torch.dispose(saved);
  const warn = t.mock.method(console, 'warn', () => {});
  // a checkpoint with the optimizer state: the resume repeats the run, no warning
  const full = smallLearner();
  (full as { path: string }).path = dir;
  const { epoch } = full.load('model_0');
  await full.noBar(() => full.fit(2, undefined, { startEpoch: epoch! + 1 }));
  assert.equal(warn.mock.callCount(), 0);
  // weights only: the resume warns that it will not repeat the uninterrupted run
  learn.save('weights_only', { withOpt: false });
  assert.ok(existsSync(join(dir, 'models', 'weights_only.safetensors')));
  const bare = smallLearner();
  (bare as { path: string }).path = dir;
  bare.load('weights_only');
  await bare.noBar(() => bare.fit(2, undefined, { startEpoch: 1 }));
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0]!.arguments[0]), /^Learner\.fit: resuming at epoch 1 without the optimizer's state/);
});

test('a callback that replaces learn.loss after the loss: a differentiable one is trained on, a detached one is refused (issue 9)', async () => {
  torch.manualSeed(7);
  const x = torch.randn([16, 3]).keep();
  const y = torch.randn([16, 1]).keep();
  const dls = data.DataLoaders.fromTensors(x, y, x, y, { batchSize: 4 });
  const make = (cb: Callback): Learner =>
    new Learner(dls, new nn.Linear(3, 1), { lossFunc: new nn.MSELoss(), optFunc: optim.SGD, lr: 0.1, wd: 0, cbs: [cb] });
  // zero times the loss: differentiable, so the step sees zero gradients and the weights stay put
  const zero = make(
    new Callback({
      afterLoss: (l) => {
        if (l.training) l.loss = l.lossGrad!.mul(0);
      },
    }),
  );
  const before = zero.model.stateDict().weight!.clone().keep();
  const losses: number[] = [];
  zero.addCb(
    new Callback({
      afterBatch: (l) => {
        if (l.training) losses.push(l.loss!.item());
      },
    }),
  );
  await zero.noBar(() => zero.fit(1));
  assert.ok(zero.model.stateDict().weight!.equal(before), 'trained on the replacing loss (zero gradients)');
  assert.deepEqual(
    losses,
    losses.map(() => 0),
    'and that loss is what the later callbacks see',
  );
  // a detached replacement cannot be trained on: refused, naming what happened
  const bad = make(
    new Callback({
      afterLoss: (l) => {
        if (l.training) l.loss = l.loss!.mul(2);
      },
    }),
  );
  await assert.rejects(
    bad.noBar(() => bad.fit(1)),
    /Learner\.fit: a callback replaced learn\.loss after the loss was computed with a tensor float32\[\], which does not require grad/,
  );
  torch.dispose([before, x, y]);
});

test('learn.cb looks a callback up by class, subclasses included, or by name (issue 9)', () => {
  const l = smallLearner();
  const rec = l.cb(callbacks.Recorder);
  assert.ok(rec instanceof callbacks.Recorder);
  assert.equal(rec, l.cb('recorder'));
  assert.equal(rec!.learn, l);
  class Mine extends Callback {}
  class Sub extends Mine {}
  const s = new Sub();
  l.addCb(s);
  assert.equal(l.cb(Mine), s, 'a subclass instance is found by its base class');
  assert.equal(l.cb(callbacks.CSVLogger), undefined);
  assert.throws(() => l.cb((() => 1) as never), /^ArgumentError: Learner\.cb: expected a Callback class or a callback name for key/m);
});
