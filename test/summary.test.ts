// learn.summary() (fastai's Learner.summary): each leaf's output shape and parameter count against PyTorch's forward
// hooks (test/fixtures/summary/), fastai's table layout, a model that is not a Sequential, frozen layers, outputs
// that are arrays, and what the summary must leave as it was: no hooks, the training flags, the loader's shuffle
// counter, the live tensors, and a later fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, callbacks, data, nn, optim, torch, type Tensor } from '../src/index.js';
import type { ForwardHook } from '../src/nn/index.js';
import { layerInfo, learnerSummary, type LayerInfo } from '../src/learner/summary.js';
import { fixture, gc } from './helpers.js';

interface Layer {
  type: string;
  shape: number[];
  params: number;
  sameAsInput: boolean;
}
interface Recorded {
  input: number[];
  layers: Layer[];
  total: number;
}
const fx = fixture<{ cnn: Recorded; twoBranch: Recorded }>('summary/summary.json');

const dir = mkdtempSync(join(tmpdir(), 'flint-summary-'));
const quiet = (): void => {};

function cnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { stride: 2, padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.Dropout(0.25),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(8, 10),
  );
}

/** The fixture's TwoBranch (one ReLU called twice), with what PyTorch's model lacks: a leaf never called and a
 * parameter of its own (not a leaf's). */
class TwoBranch extends nn.Module {
  readonly a = this.registerModule('a', new nn.Linear(6, 4));
  readonly b = this.registerModule('b', new nn.Sequential(new nn.Linear(6, 3), new nn.Tanh()));
  readonly act = this.registerModule('act', new nn.ReLU());
  readonly head = this.registerModule('head', new nn.Linear(7, 2));
  readonly spare = this.registerModule('spare', new nn.Linear(2, 2));
  readonly scale = this.registerParameter('scale', torch.ones([1]));
  forward(x: Tensor): Tensor {
    return this.head.call(torch.cat([this.act.call(this.a.call(x)), this.act.call(this.b.call(x))], 1)).mul(this.scale);
  }
}

function learner(model: nn.Module, x: Tensor, y: Tensor, o: { batchSize: number } & Record<string, unknown>): Learner {
  const { batchSize, ...rest } = o;
  const dls = data.DataLoaders.fromTensors(x, y, x.clone(), y.clone(), { batchSize, seed: 3 });
  const l = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), path: dir, ...rest });
  l.logger = quiet;
  return l;
}

function expectedRows(r: Recorded): LayerInfo[] {
  return r.layers.map((l) => ({
    type: l.type,
    shapes: [l.shape],
    params: l.params || null,
    trainable: l.params ? true : null,
    sameAsInput: l.sameAsInput,
  }));
}

test("each leaf's output shape and parameter count match PyTorch's forward hooks (a CNN)", () => {
  const model = cnn();
  const x = torch.randn(fx.cnn.input);
  assert.deepEqual(layerInfo(model, [x]), expectedRows(fx.cnn));
  x.dispose();
});

test("the summary of a CNN is fastai's table", () => {
  torch.manualSeed(0);
  const learn = learner(cnn(), torch.randn([16, 1, 16, 16]), torch.randint(0, 10, [16]), { batchSize: 8 });
  let printed: string | null = null;
  const text = learnerSummary(learn, (s) => {
    printed = s;
  });
  assert.equal(printed, text, 'printed what it returned');
  const rule = '='.repeat(76);
  const sep = '_'.repeat(76);
  const pad = ' '.repeat(21);
  // fastai's module_summary: a section per output shape, rows padded to columns of 20, 20 and 10
  assert.equal(
    text,
    [
      'Sequential (Input shape: 8 x 1 x 16 x 16)',
      rule,
      'Layer (type)         Output Shape         Param #    Trainable',
      rule,
      `${pad}8 x 4 x 8 x 8`,
      `Conv2d${' '.repeat(36)}40         True`,
      `BatchNorm2d${' '.repeat(31)}8          True`,
      'ReLU',
      sep,
      `${pad}8 x 4 x 4 x 4`,
      'MaxPool2d',
      sep,
      `${pad}8 x 8 x 4 x 4`,
      `Conv2d${' '.repeat(36)}296        True`,
      `BatchNorm2d${' '.repeat(31)}16         True`,
      'ReLU',
      'Dropout',
      sep,
      `${pad}8 x 8 x 1 x 1`,
      'AdaptiveAvgPool2d',
      sep,
      `${pad}8 x 8`,
      'Flatten',
      sep,
      `${pad}8 x 10`,
      `Linear${' '.repeat(36)}90         True`,
      sep,
      '',
      'Total params: 450',
      'Total trainable params: 450',
      'Total non-trainable params: 0',
      '',
      'Optimizer used: Adam (not created yet)',
      'Loss function: FlattenedLoss of CrossEntropyLoss()',
      '',
      'Callbacks:',
      ...learn.orderedCbs(null).map((c) => `  - ${c.constructor.name}`),
    ].join('\n'),
  );
  assert.deepEqual(
    learn
      .orderedCbs(null)
      .map((c) => c.constructor.name)
      .sort(),
    ['CastToTensor', 'ProgressCallback', 'Recorder', 'TrainEvalCallback'],
    'the default callbacks are listed',
  );
  learn.createOpt();
  assert.match(learnerSummary(learn, quiet), /\nOptimizer used: Adam\nLoss function: .*\n\nModel unfrozen\n\nCallbacks:\n/);
});

test('a model that is not a Sequential: leaves in call order, a layer called twice twice, every parameter in the totals', () => {
  const model = new TwoBranch();
  const x = torch.randn(fx.twoBranch.input);
  assert.deepEqual(layerInfo(model, [x]), expectedRows(fx.twoBranch));
  x.dispose();
  const learn = learner(model, torch.randn([10, 6]), torch.randint(0, 2, [10]), { batchSize: 5 });
  const text = learnerSummary(learn, quiet);
  assert.match(text, /^TwoBranch \(Input shape: 5 x 6\)\n/);
  // the fixture's 65, the uncalled Linear(2, 2) and the model's own scale: 65 + 6 + 1
  assert.match(text, /\nTotal params: 72\nTotal trainable params: 72\nTotal non-trainable params: 0\n/);
  assert.equal(text.split('\n').filter((l) => l === 'ReLU').length, 2);
  assert.equal(text.split('\n').filter((l) => l.startsWith('Linear ')).length, 3, 'the uncalled Linear has no row');
});

test('frozen layers show False and count as non-trainable; batch norms stay trainable (trainBn)', () => {
  torch.manualSeed(0);
  const body = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8));
  const head = new nn.Sequential(new nn.ReLU(), new nn.Linear(8, 2));
  const learn = learner(new nn.Sequential(body, head), torch.randn([8, 4]), torch.randint(0, 2, [8]), {
    batchSize: 4,
    optFunc: optim.SGD,
    splitter: () => [body.parameters(), head.parameters()],
  });
  learn.freeze();
  const rows = (t: string) =>
    t
      .split('\n')
      .filter((l) => /^(Linear|BatchNorm1d|ReLU)/.test(l))
      .map((l) => l.split(/ +/));
  let text = learnerSummary(learn, quiet);
  assert.deepEqual(rows(text), [['Linear', '40', 'False'], ['BatchNorm1d', '16', 'True'], ['ReLU'], ['Linear', '18', 'True']]);
  // 40 + 16 + 18 in all, the first Linear's 40 frozen
  assert.match(text, /\nTotal params: 74\nTotal trainable params: 34\nTotal non-trainable params: 40\n/);
  assert.match(text, /\nOptimizer used: SGD\n.*\n\nModel frozen up to parameter group #1\n/);
  learn.unfreeze();
  text = learnerSummary(learn, quiet);
  assert.deepEqual(
    rows(text).map((r) => r[2]),
    ['True', 'True', undefined, 'True'],
  );
  assert.match(text, /\nTotal non-trainable params: 0\n\n.*\n.*\n\nModel unfrozen\n/);
  // requiresGrad_ by hand, without the optimizer
  head.requiresGrad_(false);
  text = learnerSummary(learn, quiet);
  assert.deepEqual(
    rows(text).map((r) => r[2]),
    ['True', 'True', undefined, 'False'],
  );
  assert.match(text, /\nTotal params: 74\nTotal trainable params: 56\nTotal non-trainable params: 18\n/);
});

/** A leaf that returns an array of two tensors (as a recurrent layer returns a tuple). */
class Halves extends nn.Module {
  forward(x: Tensor): Tensor[] {
    return x.split(2, 1);
  }
}
class TwoOutputs extends nn.Module {
  readonly halves = this.registerModule('halves', new Halves());
  readonly lin = this.registerModule('lin', new nn.Linear(2, 3));
  forward(x: Tensor): Tensor {
    const [a, b] = this.halves.call(x);
    return this.lin.call(a!.add(b!));
  }
}

test('an output made of several tensors lists each shape', () => {
  const learn = learner(new TwoOutputs(), torch.randn([6, 4]), torch.randint(0, 3, [6]), { batchSize: 3 });
  const text = learnerSummary(learn, quiet);
  assert.match(text, /\n {21}\[3 x 2, 3 x 2\]\nHalves\n_{76}\n {21}3 x 3\nLinear {36}9 {10}True\n/);
});

/** Counts the calls each leaf's registered hooks receive, through the hooks themselves, and whether an output
 * required grad. */
function spyHooks(model: nn.Module): { calls: number; grad: boolean } {
  const seen = { calls: 0, grad: false };
  for (const m of model.modules()) {
    const register = m.registerForwardHook.bind(m);
    m.registerForwardHook = ((hook: ForwardHook<nn.Module>) =>
      register((mod, ins, out) => {
        seen.calls++;
        seen.grad ||= (out as Tensor).requiresGrad;
        return hook(mod, ins, out);
      })) as typeof m.registerForwardHook;
  }
  return seen;
}

test('the hooks are removed and every training flag restored, also when the forward throws', () => {
  torch.manualSeed(0);
  const model = cnn();
  const learn = learner(model, torch.randn([8, 1, 16, 16]), torch.randint(0, 10, [8]), { batchSize: 4 });
  const seen = spyHooks(model);
  // one batch norm in eval mode, as BnFreeze leaves it: its own flag comes back, not the model's
  const bn = model.at(1);
  bn.eval();
  const flags = () => model.modules().map((m) => m.training);
  const before = flags();
  learnerSummary(learn, quiet);
  assert.equal(seen.calls, fx.cnn.layers.length, 'a hook ran once per leaf call');
  assert.equal(seen.grad, false, 'the batch ran without gradients');
  assert.deepEqual(flags(), before);
  torch.tidy(() => {
    model.call(torch.randn([2, 1, 16, 16]));
  });
  assert.equal(seen.calls, fx.cnn.layers.length, 'no hook runs after the summary');

  model.eval();
  learnerSummary(learn, quiet);
  assert.ok(
    model.modules().every((m) => !m.training),
    'eval mode stays eval mode',
  );
  model.train();

  // a forward that fails half-way
  (model.at(9) as { forward: unknown }).forward = () => {
    throw new torch.FlintError('broken');
  };
  const calls = seen.calls;
  assert.throws(() => learnerSummary(learn, quiet), /broken/);
  assert.equal(seen.calls, calls + 9, 'hooks ran up to the failing layer');
  assert.ok(
    model.modules().every((m) => m.training),
    'training mode restored after the error',
  );
  assert.throws(
    () =>
      torch.tidy(() => {
        model.call(torch.randn([2, 1, 16, 16]));
      }),
    /broken/,
  );
  assert.equal(seen.calls, calls + 9, 'no hook left after the error');
});

test('no tensor leaks, and a fit after the summary is the fit without it (batch norm statistics, shuffling)', async () => {
  const run = async (summarize: boolean) => {
    torch.manualSeed(0);
    const learn = learner(cnn(), torch.randn([16, 1, 16, 16]), torch.randint(0, 10, [16]), { batchSize: 4, cbs: [] });
    learn.removeCb(callbacks.ProgressCallback);
    assert.ok(learn.dls.train.shuffle, 'the training loader shuffles');
    if (summarize) {
      learnerSummary(learn, quiet);
      gc();
      const live = torch.memory().liveTensors;
      learnerSummary(learn, quiet);
      // no collection here: what the summary made must be freed by it, not left to the garbage collector
      assert.equal(torch.memory().liveTensors, live, 'the summary leaves no tensor behind');
      assert.equal(learn.dls.train.epoch, 0, 'the shuffle counter did not move');
    }
    await learn.fit(2, 0.01);
    return { losses: learn.recorder!.losses, values: learn.recorder!.values, state: (learn.model as nn.Sequential).at(1).stateDict() };
  };
  const plain = await run(false);
  const summarized = await run(true);
  assert.deepEqual(summarized.losses, plain.losses);
  assert.deepEqual(
    summarized.values.map((v) => v.slice(0, -1)),
    plain.values.map((v) => v.slice(0, -1)),
    'the same epochs, times aside',
  );
  for (const [k, t] of Object.entries(plain.state)) {
    assert.deepEqual(summarized.state[k]!.toArray(), t.toArray(), `batch norm ${k}`);
  }
});

test('a training loader that yields no batch is reported under Learner.summary', () => {
  const learn = learner(new nn.Linear(3, 2), torch.randn([3, 3]), torch.randint(0, 2, [3]), { batchSize: 4 });
  assert.throws(
    () => learnerSummary(learn, quiet),
    (e: unknown) => e instanceof torch.FlintError && /^Learner\.summary: cannot take a batch/.test(e.message),
  );
});

test('the optimizer and loss lines name the functions given, and say when the optimizer is not made yet', () => {
  function mse(pred: Tensor, y: Tensor): Tensor {
    return pred.squeeze(-1).sub(y).pow(2).mean();
  }
  const learn = learner(new nn.Linear(3, 1), torch.randn([4, 3]), torch.randn([4]), {
    batchSize: 2,
    lossFunc: mse,
    optFunc: (p: never, h: never) => optim.SGD(p, h),
  });
  let text = learnerSummary(learn, quiet);
  assert.match(text, /\nOptimizer used: a custom function \(not created yet\)\nLoss function: mse\n\nCallbacks:\n/);
  learn.createOpt();
  text = learnerSummary(learn, quiet);
  assert.match(text, /\nOptimizer used: a custom function\nLoss function: mse\n\nModel unfrozen\n\nCallbacks:\n/);
});
