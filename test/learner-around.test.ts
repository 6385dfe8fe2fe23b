// Callbacks' around(phase, next): set-up and tear-down of a phase in one closure, restored on every exit path; and
// the state-restoring callbacks moved onto it (MixUp, MixedPrecision, LRFinder, GradientAccumulation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Callback,
  CallbackError,
  callbacks,
  CancelBatchException,
  CancelEpochException,
  CancelFitException,
  CancelTrainException,
  FlintError,
  Learner,
  data,
  nn,
  torch,
  type AroundPhase,
  type EventName,
} from '../src/index.js';
import { settle } from './helpers.js';

function smallLearner(cbs: Callback[] = []): Learner {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([4, 3]), torch.randint(0, 2, [4]), {
    batchSize: 4,
    seed: 1,
  });
  return new Learner(dls, new nn.Linear(3, 2), { lossFunc: new nn.CrossEntropyLoss(), cbs });
}

/** Records entering and leaving each phase's around, and the events, in one trace. */
class AroundTracer extends Callback {
  trace: string[] = [];
  constructor(
    readonly phases: AroundPhase[],
    readonly events: EventName[] = [],
  ) {
    super();
    for (const e of events)
      (this as unknown as Record<string, () => void>)[e] = () => {
        this.trace.push(e);
      };
  }
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (!this.phases.includes(phase)) return next();
    this.trace.push(`enter ${phase}`);
    try {
      await next();
    } finally {
      this.trace.push(`leave ${phase}`);
    }
  }
}

test('around wraps each phase, its before and after events included, nested as the loop nests', async () => {
  const t = new AroundTracer(
    ['fit', 'epoch', 'train', 'validate', 'batch', 'predict', 'getLoss', 'backward', 'step', 'zeroGrad'],
    ['beforeFit', 'afterFit', 'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterBatch'],
  );
  const learn = smallLearner([t]);
  await learn.withoutLogging(() => learn.fit(1));
  const trainBatch = [
    'enter batch',
    'beforeBatch',
    'enter predict',
    'leave predict',
    'afterPred',
    'enter getLoss',
    'leave getLoss',
    'afterLoss',
    'enter backward',
    'beforeBackward',
    'enter backward',
    'leave backward',
    'afterBackward',
    'leave backward',
    'enter step',
    'beforeStep',
    'enter step',
    'leave step',
    'afterStep',
    'leave step',
    'enter zeroGrad',
    'leave zeroGrad',
    'afterBatch',
    'leave batch',
  ];
  const validBatch = [
    'enter batch',
    'beforeBatch',
    'enter predict',
    'leave predict',
    'afterPred',
    'enter getLoss',
    'leave getLoss',
    'afterLoss',
    'afterBatch',
    'leave batch',
  ];
  assert.deepEqual(t.trace, [
    'enter fit',
    'beforeFit',
    'enter epoch',
    'enter train',
    ...trainBatch,
    ...trainBatch,
    'leave train',
    'enter validate',
    ...validBatch,
    'leave validate',
    'leave epoch',
    'afterFit',
    'leave fit',
  ]);
});

test('callbacks wrap in their order, the first outermost; runValid = false leaves validation batches unwrapped', async () => {
  const a = new AroundTracer(['fit', 'batch']);
  const b = new AroundTracer(['fit', 'batch']);
  b.order = -1;
  b.runValid = false;
  const shared: string[] = [];
  a.trace = shared;
  b.trace = shared;
  const learn = smallLearner([a, b]);
  await learn.withoutLogging(() => learn.fit(1));
  // b (order -1) is outermost; it wraps the 2 training batches but not the validation one
  assert.deepEqual(shared.slice(0, 4), ['enter fit', 'enter fit', 'enter batch', 'enter batch']);
  assert.equal(shared.filter((s) => s === 'enter batch').length, 2 * 2 + 1);
  assert.deepEqual(shared.slice(-2), ['leave fit', 'leave fit']);
});

test('the tear-down runs on every exit path: normal end, a cancellation of the phase, a wider cancellation, an error', async () => {
  for (const [event, error, escapes] of [
    [null, null, false],
    ['afterLoss', CancelBatchException, false],
    ['afterStep', CancelTrainException, false],
    ['beforeTrain', CancelEpochException, false],
    ['afterPred', CancelFitException, false],
    ['afterLoss', RangeError, true],
  ] as [EventName | null, (new () => Error) | null, boolean][]) {
    let depth = 0;
    let maxDepth = 0;
    const guard = new Callback({
      around: async (phase, next) => {
        if (phase !== 'train') return next();
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        try {
          await next();
        } finally {
          depth--;
        }
      },
    });
    const thrower = new Callback(
      event
        ? {
            [event]: () => {
              throw new error!();
            },
          }
        : {},
    );
    const learn = smallLearner([guard, thrower]);
    const run = learn.withoutLogging(() => learn.fit(2));
    if (escapes) await assert.rejects(run, CallbackError);
    else await run;
    assert.equal(depth, 0, `${event} ${error?.name}: left inside around`);
    assert.equal(maxDepth, 1);
  }
});

test('around must call next exactly once; its own errors name the callback and the phase', async () => {
  class Skipper extends Callback {
    override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
      if (phase !== 'epoch') await next();
    }
  }
  let learn = smallLearner([new Skipper()]);
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1)),
    (e: Error) => e instanceof CallbackError && /Skipper.*around\('epoch'\).*without calling next\(\)/s.test(e.message),
  );
  class Twice extends Callback {
    override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
      await next();
      if (phase === 'step') await next();
    }
  }
  learn = smallLearner([new Twice()]);
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1)),
    (e: Error) => e instanceof CallbackError && /next\(\) was called twice/.test(e.message),
  );
  class Broken extends Callback {
    override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
      if (phase === 'train') throw new TypeError('boom');
      await next();
    }
  }
  learn = smallLearner([new Broken()]);
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1)),
    (e: Error) => e instanceof CallbackError && e.message === "Exception occurred in `Broken` when calling event `around('train')`: boom",
  );
  // an error from inside the phase passes through around unchanged (named after the event that threw it)
  learn = smallLearner([
    new AroundTracer(['fit', 'batch']),
    new Callback({
      afterStep: () => {
        throw new RangeError('inner');
      },
    }),
  ]);
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1)),
    (e: Error) => e instanceof CallbackError && /`afterStep`: inner/.test(e.message),
  );
  assert.throws(() => new Callback({ around: 3 as never }), /Callback: expected a function for handlers.around, got 3/);
});

test('MixUp given to one fit: a callback failing in beforeTrain leaves the loss function restored (getPreds withLoss works)', async () => {
  const learn = smallLearner();
  const lossFunc = learn.lossFunc;
  const failing = new Callback({
    beforeTrain: () => {
      throw new RangeError('setup failed');
    },
  });
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1, undefined, { cbs: [new callbacks.MixUp(), failing] })),
    CallbackError,
  );
  assert.equal(learn.lossFunc, lossFunc);
  const { losses, preds } = await learn.getPreds({ withLoss: true });
  assert.deepEqual(losses!.shape, [4]);
  torch.dispose([losses!, preds]);
});

test('MixedPrecision leaves autocast when the batch fails, and after every batch', async () => {
  let during: boolean | null = null;
  const probe = new Callback({
    afterPred: () => {
      during = torch.autocastState('cpu').enabled;
    },
  });
  const learn = smallLearner([
    new callbacks.MixedPrecision(),
    probe,
    new Callback({
      afterLoss: (l) => {
        if (l.epoch === 1) throw new RangeError('x');
      },
    }),
  ]);
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(2)),
    CallbackError,
  );
  assert.equal(torch.autocastState('cpu').enabled, false);
  // afterPred runs after the forward pass: autocast covers the forward and the loss only
  assert.equal(during, false);
});

test('GradientAccumulation: a partial accumulation does not leak into the next fit', async () => {
  const learn = smallLearner();
  // 8 training samples, nAcc 12: the first step happens at 12 samples; the fit ends with 8 accumulated
  await learn.withoutLogging(() => learn.fit(1, undefined, { cbs: [new callbacks.GradientAccumulation(12)] }));
  for (const p of learn.model.parameters()) assert.ok(p.grad === null || p.grad.abs().sum().item() === 0, 'gradients left after the fit');
});

test('LRFinder restores the weights when the fit fails', async () => {
  const learn = smallLearner();
  await learn.withoutLogging(() => learn.fit(1));
  const before = learn.model.stateDict().weight!.clone();
  const failing = new Callback({
    afterStep: (l) => {
      if (l.trainIter === 1) throw new RangeError('x');
    },
  });
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1, undefined, { cbs: [new callbacks.LRFinder(), failing] })),
    CallbackError,
  );
  assert.ok(learn.model.stateDict().weight!.equal(before));
  before.dispose();
});

test('FlintError stays a FlintError through around', async () => {
  const learn = smallLearner([new AroundTracer(['batch', 'predict'])]);
  learn.lossFunc = () => torch.ones([2, 2]);
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1)),
    (e: Error) => e instanceof FlintError && /single value/.test(e.message),
  );
});

test('inside a callback, this.learn is the full Learner: its recorder and recipes type-check without casts', async () => {
  class Peek extends Callback {
    rows = -1;
    recipe = '';
    override afterFit(): void {
      this.rows = this.learn.recorder!.values.length;
      this.recipe = typeof this.learn.fitOneCycle;
    }
  }
  const peek = new Peek();
  let viaHandler: callbacks.Recorder | undefined;
  const learn = smallLearner([
    peek,
    new Callback({
      afterFit: (l) => {
        viaHandler = l.recorder;
      },
    }),
  ]);
  await learn.withoutLogging(() => learn.fit(2));
  assert.deepEqual([peek.rows, peek.recipe, viaHandler === learn.recorder], [2, 'function', true]);
  assert.equal(learn.cb(callbacks.Recorder), learn.recorder);
});

test('a fit ending in an error leaves no tensor behind; the Recorder keeps the losses of the batches that ran', async () => {
  const learn = smallLearner();
  await learn.withoutLogging(() => learn.fit(1));
  await settle();
  const base = torch.memory().liveTensors;
  for (const event of ['afterPred', 'afterLoss', 'afterStep', 'afterBatch'] as EventName[]) {
    const failing = new Callback({
      [event]: (l: Learner) => {
        if (l.epoch === 1 && l.iter === 1 && l.training) throw new RangeError('x');
      },
    });
    await assert.rejects(
      learn.withoutLogging(() => learn.fit(2, undefined, { cbs: [failing] })),
      CallbackError,
    );
    await settle();
    assert.equal(torch.memory().liveTensors, base, `after an error in ${event}`);
    // epoch 0's two batches and epoch 1's first (the second failed before the Recorder, order 50, saw it)
    assert.equal(learn.recorder!.losses.length, 3, event);
  }
});
