// The Learner refuses misuse with errors that say what went wrong: an asynchronous afterCreate that fails,
// overlapping operations on one Learner, bad callbacks, models and loss functions returning the wrong thing, a
// damaged checkpoint, bad numbers in fit and the callbacks, and a fit with no training batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, Callback, CallbackError, FlintError, Learner, callbacks, data, nn, torch, type Tensor } from '../src/index.js';
import { liveTensors } from './helpers.js';

function dls(n = 16, bs = 4): data.DataLoaders {
  return data.DataLoaders.fromTensors(torch.randn([n, 3]), torch.randint(0, 2, [n]), torch.randn([8, 3]), torch.randint(0, 2, [8]), {
    batchSize: bs,
  });
}
function learner(o: ConstructorParameters<typeof Learner>[2] = {}, model: nn.Module = new nn.Linear(3, 2), d = dls()): Learner {
  const l = new Learner(d, model, { lossFunc: new nn.CrossEntropyLoss(), ...o });
  l.removeCb(callbacks.ProgressCallback);
  l.logger = () => {};
  return l;
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an async afterCreate that fails is never an unhandled rejection: the next fit or validate throws its CallbackError', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    class Setup extends Callback {
      override async afterCreate(): Promise<void> {
        await tick();
        throw new Error('no connection');
      }
    }
    const l = learner({ cbs: [new Setup()] });
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(unhandled, []);
    const want = (e: unknown): boolean =>
      e instanceof CallbackError && e.message === 'Exception occurred in `Setup` when calling event `afterCreate`: no connection';
    await assert.rejects(l.fit(1), want);
    await assert.rejects(l.validate(), want);
  } finally {
    process.removeListener('unhandledRejection', onUnhandled);
  }
});

test('an async afterCreate still running is awaited before the first fit', async () => {
  const events: string[] = [];
  const l = learner({
    cbs: [
      new Callback({
        afterCreate: async () => {
          await tick();
          await tick();
          events.push('created');
        },
        beforeFit: () => {
          events.push('beforeFit');
        },
      }),
    ],
  });
  await l.fit(1);
  assert.deepEqual(events, ['created', 'beforeFit']);
});

test('a second fit, lrFind, validate or getPreds while a fit runs is refused; the running fit is unharmed', async () => {
  const l = learner();
  const running = l.fit(2);
  const busy = /Learner\.(fit|lrFind|validate|getPreds|fitOneCycle): Learner\.fit is running on this Learner; await it before calling Learner\.\w+/;
  await assert.rejects(l.fit(1), (e: unknown) => e instanceof FlintError && busy.test((e as Error).message));
  await assert.rejects(l.fitOneCycle(1), busy);
  await assert.rejects(l.lrFind(), busy);
  await assert.rejects(l.validate(), busy);
  await assert.rejects(l.getPreds(), busy);
  await running;
  assert.equal(l.recorder!.values.length, 2, 'the first fit ran its two epochs');
  // once it is over, the learner works again, and calls made from inside an operation belong to it
  // (validate fires afterFit too: the callback validates once, not again from inside its own validation)
  let inner: (number | undefined)[] | null = null;
  let asked = false;
  await l.fit(1, undefined, {
    cbs: [
      new Callback({
        afterFit: async (learn) => {
          if (asked) return;
          asked = true;
          inner = [...(await learn.validate())];
        },
      }),
    ],
  });
  assert.equal(inner!.length, 1);
  assert.ok(Number.isFinite(inner![0]), 'the validation loss');
  await l.fineTune(1);
});

test('callbacks, models and loss functions of the wrong kind are named with what they gave', async () => {
  const l = learner();
  assert.throws(
    () => l.addCb(5 as never),
    (e: unknown) => e instanceof ArgumentError && e.message === 'Learner.addCb: expected a Callback or a Callback subclass for cb, got 5',
  );
  assert.throws(
    () => l.addCbs([callbacks.Recorder, {} as never]),
    /Learner\.addCbs: expected a Callback or a Callback subclass for cbs\[1\], got an empty object \{\}/,
  );
  assert.throws(() => l.removeCb('recorder' as never), /Learner\.removeCb: expected a Callback or a Callback subclass for cb, got "recorder"/);
  assert.throws(() => learner({ cbs: [null as never] }), /Learner: expected a Callback or a Callback subclass for opts\.cbs\[0\], got null/);

  // models with a parameter (an optimizer needs one) whose forward returns the wrong thing
  class Num extends nn.Module {
    lin = this.registerModule('lin', new nn.Linear(3, 2));
    override forward(): Tensor {
      return 3 as unknown as Tensor;
    }
  }
  await assert.rejects(
    learner({}, new Num()).fit(1),
    /^FlintError: Learner\.fit: the model's forward returned 3; the Learner expects a tensor of predictions \(or an array or object of tensors\)$/m,
  );
  class Str extends Num {
    override forward(): Tensor {
      return 'x' as unknown as Tensor;
    }
  }
  await assert.rejects(learner({}, new Str()).fitOneCycle(1), /Learner\.fitOneCycle: the model's forward returned "x"/);

  const before = liveTensors();
  const undef = learner({ lossFunc: () => undefined as unknown as Tensor });
  undef.createOpt();
  const mid = liveTensors();
  await assert.rejects(
    undef.fit(1),
    /Learner\.fit: the loss function returned undefined; the Learner expects a tensor \(a single value to train on\)/,
  );
  assert.equal(liveTensors(), mid, 'the failed batch freed its tensors');
  assert.ok(mid > before);
  await assert.rejects(learner({ lossFunc: () => 0.5 as unknown as Tensor }).fit(1), /Learner\.fit: the loss function returned 0\.5/);
  await assert.rejects(
    learner({ lossFunc: new nn.CrossEntropyLoss({ reduction: 'none' }) }).fit(1),
    /Learner\.fit: the loss function returned a tensor float32\[4\]; training needs a single value \(reduce the loss with mean or sum\)/,
  );
});

test('the Learner options are checked when it is made', () => {
  assert.throws(() => learner({ lr: NaN }), /^ArgumentError: Learner: expected a finite number >= 0 for opts\.lr, got NaN$/m);
  assert.throws(
    () => learner({ lossFunc: 5 as never }),
    /Learner: expected a loss function \(an nn loss module or a function\) for opts\.lossFunc, got 5/,
  );
  assert.throws(() => learner({ lossFn: () => 1 } as never), /Learner: expected one of the options lossFunc, .* for opts\.lossFn, got "lossFn"/);
  assert.throws(
    () => learner({ metrics: ['accuracy' as never] }),
    /^ArgumentError: Learner: expected a Metric, a metric factory or a \(pred, target\) => tensor function for opts\.metrics\[0\], got "accuracy"$/m,
  );
  assert.throws(() => learner({ moms: [0.95, 0.85] as never }), /Learner: expected three momentums \[start, middle, end\] for opts\.moms/);
  assert.throws(() => learner({ path: 7 as never }), /Learner: expected a file path \(a non-empty string\) for opts\.path, got 7/);
  assert.throws(
    () => new Learner({} as never, new nn.Linear(3, 2)),
    /Learner: expected a data\.DataLoaders \(train and valid DataLoaders\) for dls, got an empty object \{\}/,
  );
});

test('bad learning rates and epoch counts are refused by every fit, and bad callback arguments when the callback is made', async () => {
  const l = learner();
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => l.fit(1, NaN), /^Learner\.fit: expected a finite number >= 0 for lr, got NaN$/],
    [
      () => l.fit(1, 'abc' as never),
      /^Learner\.fit: expected a learning rate \(a number >= 0\), one per parameter group, or \{ start, stop \} for lr, got "abc"$/,
    ],
    [() => l.fit(1, -1), /^Learner\.fit: expected a finite number >= 0 for lr, got -1$/],
    [() => l.fit(1, Infinity), /^Learner\.fit: expected a finite number >= 0 for lr, got Infinity$/],
    [() => l.fit(1, [1e-3, 1e-2]), /^Learner\.fit: expected 1 learning rate\(s\), one per parameter group for lr, got \[0\.001, 0\.01\]$/],
    [() => l.fit(0), /^Learner\.fit: expected an integer >= 1 for nEpoch, got 0$/],
    [() => l.fit(1.5), /^Learner\.fit: expected an integer >= 1 for nEpoch, got 1\.5$/],
    [() => l.fit(1, 1e-3, { startEpoch: -1 }), /^Learner\.fit: expected an integer >= 0 and <= 1 for opts\.startEpoch, got -1$/],
    [() => l.fitOneCycle(1, NaN), /^Learner\.fitOneCycle: expected a finite number >= 0 for lrMax, got NaN$/],
    [() => l.fitOneCycle(-1), /^Learner\.fitOneCycle: expected an integer >= 1 for nEpoch, got -1$/],
    [() => l.fitOneCycle(1, 1e-2, { pctStart: 1.5 }), /^Learner\.fitOneCycle: expected a number in \[0, 1\) for opts\.pctStart, got 1\.5$/],
    [() => l.fitOneCycle(1, 1e-2, { div: 0 }), /^Learner\.fitOneCycle: expected a finite number > 0 for opts\.div, got 0$/],
    [() => l.fitFlatCos(NaN), /^Learner\.fitFlatCos: expected an integer >= 1 for nEpoch, got NaN$/],
    [() => l.fitSgdr(2, 1, 1e-2, { cycleMult: 0 }), /^Learner\.fitSgdr: expected a finite number >= 1 for opts\.cycleMult, got 0$/],
    [() => l.fineTune(1, -1), /^Learner\.fineTune: expected a finite number > 0 for baseLr, got -1$/],
    [() => l.lrFind({ startLr: Infinity }), /^Learner\.lrFind: expected a finite number > 0 for opts\.startLr, got Infinity$/],
    [() => l.lrFind({ numIt: 1.5 }), /^Learner\.lrFind: expected an integer >= 1 for opts\.numIt, got 1\.5$/],
  ];
  for (const [f, want] of cases) await assert.rejects(f(), (e: unknown) => e instanceof ArgumentError && want.test(e.message), String(want));
  assert.equal(l.recorder!.values.length, 0, 'nothing trained');
  assert.throws(
    () => new callbacks.GradientAccumulation(0),
    /^ArgumentError: callbacks\.GradientAccumulation: expected an integer >= 1 for nAcc, got 0$/m,
  );
  assert.throws(() => new callbacks.GradientClip(-1), /callbacks\.GradientClip: expected a finite number > 0 for maxNorm, got -1/);
  assert.throws(
    () => new callbacks.EarlyStoppingCallback({ patience: -2 }),
    /callbacks\.EarlyStoppingCallback: expected an integer >= 1 for opts\.patience, got -2/,
  );
  assert.throws(
    () => new callbacks.ReduceLROnPlateau({ factor: 0.5 }),
    /callbacks\.ReduceLROnPlateau: expected a finite number >= 1 for opts\.factor, got 0\.5/,
  );
  assert.throws(() => new callbacks.MixUp(NaN), /callbacks\.MixUp: expected a finite number > 0 for alpha, got NaN/);
  assert.throws(
    () => new callbacks.MixedPrecision({ growthInterval: 0 }),
    /callbacks\.MixedPrecision: expected an integer >= 1 for opts\.growthInterval, got 0/,
  );
  assert.throws(() => new callbacks.CSVLogger(''), /callbacks\.CSVLogger: expected a file path \(a non-empty string\) for fname, got ""/);
  assert.throws(
    () => new callbacks.SaveModelCallback({ everyEpoch: 0 }),
    /callbacks\.SaveModelCallback: expected an integer >= 1 for opts\.everyEpoch, got 0/,
  );
});

test('a fit with no training batch is refused, naming the sizes', async () => {
  const l = learner({}, new nn.Linear(3, 2), dls(3, 4));
  const want =
    /^Learner\.fit: the training DataLoader yields no batch \(3 items, batchSize 4, dropLast\), so there is nothing to train on; use a batchSize of at most 3 or dropLast: false$/;
  await assert.rejects(l.fit(1), (e: unknown) => e instanceof FlintError && want.test((e as Error).message));
  await assert.rejects(l.lrFind(), /Learner\.lrFind: the training DataLoader yields no batch \(3 items, batchSize 4, dropLast\)/);
  await assert.rejects(l.fitOneCycle(1), /Learner\.fitOneCycle: the training DataLoader yields no batch/);
});

test('a damaged optimizer entry in a checkpoint is an error naming the file; the weights still load without it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-ckpt-'));
  const l = learner({ path: dir });
  l.save('good');
  const weights = l.model.stateDict();
  torch.save(weights, join(dir, 'models', 'bad.safetensors'), { metadata: { format: 'flint-learner/1', opt: '{"hypers": [' } });
  torch.save(weights, join(dir, 'models', 'odd.safetensors'), { metadata: { format: 'flint-learner/1', opt: '{"hypers": 3}' } });
  const fresh = learner({ path: dir });
  assert.throws(
    () => fresh.load('bad'),
    (e: unknown) =>
      e instanceof FlintError &&
      /^Learner\.load: .*bad\.safetensors: the optimizer state in its metadata is not valid JSON \(.*\); load the weights alone with \{ withOpt: false \}$/.test(
        (e as Error).message,
      ),
  );
  assert.throws(() => fresh.load('odd'), /Learner\.load: .*odd\.safetensors: the optimizer state in its metadata is malformed/);
  fresh.load('bad', { withOpt: false });
  assert.ok(fresh.model.stateDict().weight!.equal(weights.weight!));
  assert.throws(() => fresh.load('missing'), /Learner\.load: .*cannot read .*missing\.safetensors/);
  assert.throws(() => fresh.load('../x' as string, { withOpt: 'yes' as never }), /Learner\.load: expected a boolean for opts\.withOpt, got "yes"/);
});

// The guard keys on the operation running now, not on the async context alone: that context survives in
// promises and timers made during an operation, which may fire later, while another operation runs.
test('a call from a stale context (a promise made in an earlier fit, or in this fit before its batch loop) is refused', async () => {
  const l = learner();
  const busy = (e: unknown): boolean =>
    e instanceof FlintError && /^Learner\.(fit|validate): Learner\.fit is running on this Learner/.test((e as Error).message);
  let openEarlier!: () => void;
  let fromEarlier: Promise<unknown> | null = null;
  // made during the first fit, run during the second (in its batch loop, then while it awaits a callback)
  await l.fit(1, undefined, {
    cbs: [
      new Callback({
        beforeFit: () => {
          const gate = new Promise<void>((r) => {
            openEarlier = r;
          });
          fromEarlier = gate.then(() => l.fit(1));
        },
      }),
    ],
  });
  let fromThisFit: Promise<unknown> | null = null;
  let openThis!: () => void;
  const gate = new Promise<void>((r) => {
    openThis = r;
  });
  let batches = 0;
  await l.fit(2, undefined, {
    cbs: [
      new Callback({
        beforeFit: () => {
          fromThisFit = gate.then(() => l.validate());
        },
        afterBatch: () => {
          if (++batches === 1) {
            openEarlier();
            openThis();
          }
        },
      }),
    ],
  });
  await assert.rejects(fromEarlier!, busy);
  await assert.rejects(fromThisFit!, busy);
  assert.equal(batches, 2 * (4 + 2), 'the fit ran all its batches, alone');
  assert.equal(l.recorder!.values.length, 2, 'the recorder holds the last fit (two epochs)');
});

test('a validate started in a callback and not awaited runs before the fit goes on, never beside it', async () => {
  const l = learner();
  const trace: string[] = [];
  let pending: Promise<(number | undefined)[]> | null = null;
  const mark = new Callback({
    afterFit: () => {
      trace.push('validated');
    },
  });
  await l.fit(2, undefined, {
    cbs: [
      new Callback({
        beforeEpoch: (learn) => {
          if (!learn.validatingOnly) trace.push(`epoch ${learn.epoch}`);
        },
        afterEpoch: (learn) => {
          if (learn.validatingOnly || pending) return;
          pending = learn.validate({ cbs: [mark] }); // deliberately not awaited
        },
      }),
    ],
  });
  const got = await pending!;
  assert.deepEqual(trace, ['epoch 0', 'validated', 'epoch 1']);
  assert.ok(Number.isFinite(got[0]), 'the validation loss');
  assert.equal(l.recorder!.values.length, 2, 'both epochs trained and were recorded');
  // two operations started side by side from one callback: the second is refused, the first runs
  let second: Promise<unknown> | null = null;
  let first: Promise<unknown> | null = null;
  await l.fit(1, undefined, {
    cbs: [
      new Callback({
        afterEpoch: async (learn) => {
          if (learn.validatingOnly || first) return;
          first = learn.validate();
          second = learn.validate();
          await Promise.allSettled([first, second]);
        },
      }),
    ],
  });
  assert.ok(Number.isFinite(((await first!) as number[])[0]));
  await assert.rejects(second!, /^FlintError: Learner\.validate: Learner\.fit is running on this Learner/m);
});
