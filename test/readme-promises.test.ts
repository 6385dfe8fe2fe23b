// README promises that no other test file holds: one test per promise, named after the README's words. (The
// others are mapped to their tests in the audit of issue 8; speed, GPU and network promises are out of scope.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Callback,
  Learner,
  callbacks,
  data,
  loadLearner,
  metrics,
  type models,
  nn,
  optim,
  type tabular,
  torch,
  type AroundPhase,
  type Tensor,
} from '../src/index.js';
import { buildTask } from '../src/cli/task.js';
import { predict, predictionsCsv } from '../src/cli/predict.js';
import { defaultRunDir } from '../src/cli/train.js';
import { gc, interruptWhen } from './helpers.js';
import { writeTableCsv } from './tables.js';

const index = new URL('../src/index.js', import.meta.url).href;
const bin = new URL('../../bin/flint.js', import.meta.url).pathname;
const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `flint-readme-${what}-`));

/** The error `call` throws, as String() prints it (its class name, then its message). */
function printed(call: () => unknown): string {
  try {
    call();
  } catch (e) {
    return String(e);
  }
  assert.fail('no error');
}

/** A small seeded classification Learner on random data, logging nothing. */
function learner(o: { cbs?: Callback[]; path?: string; x?: Tensor; model?: nn.Module } = {}): Learner {
  torch.manualSeed(0);
  const x = o.x ?? torch.randn([32, 4]);
  const xv = x.narrow(0, 0, 16).add(0.5);
  const dls = data.DataLoaders.fromTensors(x, torch.randint(0, 2, [32]), xv, torch.randint(0, 2, [16]), { batchSize: 8, shuffle: false });
  const l = new Learner(dls, o.model ?? new nn.Linear(4, 2), {
    lossFunc: new nn.CrossEntropyLoss(),
    cbs: o.cbs,
    metrics: [metrics.accuracy()],
    optFunc: (p, h) => optim.SGD(p, h),
    lr: 0.1,
    path: o.path ?? tmp('learn'),
  });
  l.logger = () => {};
  return l;
}
/** A metric reporting a given value per epoch. */
function scripted(name: string, values: number[]): metrics.Metric {
  let epoch = -1;
  const m = new metrics.ValueMetric(() => values[epoch]!, name);
  m.reset = () => {
    epoch += 1;
  };
  return m;
}

const fit = (l: Learner, n: number, opts?: { resetOpt?: boolean }) => l.noBar(() => l.fit(n, undefined, opts));

// --- Errors ---

test("Errors: the README's ArgumentError and TorchError examples print exactly as shown", async () => {
  assert.equal(
    printed(() => torch.zeros([2], { device: 'tpu' })),
    "ArgumentError: torch.zeros: expected a device such as 'cpu', 'cuda' or 'cuda:0' for opts.device, got \"tpu\"",
  );
  assert.equal(
    printed(() => new nn.Conv2d(3, 4, 0)),
    'ArgumentError: nn.Conv2d: expected a positive integer or an array of 2 such integers for kernelSize, got 0',
  );
  await assert.rejects(learner().fit(1, NaN), (e: unknown) => {
    assert.equal(String(e), 'ArgumentError: Learner.fit: expected a finite number >= 0 for lr, got NaN');
    return true;
  });
  torch.tidy(() => {
    assert.equal(
      printed(() => torch.ones([2, 3]).matmul(torch.ones([4, 5]))),
      'TorchError: matmul(float32[2, 3], float32[4, 5]): mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)',
    );
  });
});

test('Errors: when the op has another name than what you called, the message starts with the public name (Tensor.clip: clamp(...))', () => {
  torch.tidy(() => {
    assert.match(
      printed(() => torch.ones(2).clip(torch.ones(3), torch.ones(3))),
      /^TorchError: Tensor\.clip: clamp\(float32\[2\], float32\[3\], float32\[3\]\): The size of tensor a \(2\) must match/,
    );
  });
});

test("Errors: an error inside a model's forward names the layer and its path (Net.body.0 (Linear): linear(...))", () => {
  class Net extends nn.Module {
    body = this.registerModule('body', new nn.Sequential(new nn.Linear(3, 4)));
    forward(x: Tensor): Tensor {
      return this.body.call(x);
    }
  }
  const net = new Net();
  torch.tidy(() => {
    assert.equal(
      printed(() => net.call(torch.ones([2, 5]))),
      'TorchError: Net.body.0 (Linear): linear(float32[2, 5], float32[4, 3], float32[4]): mat1 and mat2 shapes cannot be multiplied (2x5 and 3x4)',
    );
  });
  net.dispose();
});

// --- Autograd ---

test('Autograd: torch.autograd.grad with createGraph gives a differentiable gradient (second derivatives)', () => {
  torch.tidy(() => {
    const x = torch.tensor([3], { requiresGrad: true });
    const [g] = torch.autograd.grad([x.pow(3).sum()], [x], { createGraph: true });
    assert.deepEqual(g!.toArray(), [27], '3 x^2');
    assert.equal(g!.requiresGrad, true);
    g!.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [18], '6 x');
  });
});

test('Autograd: torch.autograd.grad takes gradOutputs for non-scalar outputs, and allowUnused gives null for an unused input', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const unused = torch.tensor([1], { requiresGrad: true });
    const [g] = torch.autograd.grad([x.mul(x)], [x], { gradOutputs: [torch.tensor([5, 1])] });
    assert.deepEqual(g!.toArray(), [10, 4], '2 x * gradOutputs');
    assert.throws(() => torch.autograd.grad([x.sum()], [x, unused]), /appears to not have been used in the graph/);
    const [gx, gu] = torch.autograd.grad([x.sum()], [x, unused], { allowUnused: true });
    assert.deepEqual(gx!.toArray(), [1, 1]);
    assert.equal(gu, null);
  });
});

test('Autograd: backward with createGraph leaves a gradient that has a graph of its own', () => {
  torch.tidy(() => {
    const w = torch.tensor([2], { requiresGrad: true });
    w.pow(3).sum().backward(null, { createGraph: true });
    const g = w.grad!;
    assert.deepEqual(g.toArray(), [12], '3 w^2');
    assert.equal(g.requiresGrad, true);
    const [gg] = torch.autograd.grad([g.sum()], [w]);
    assert.deepEqual(gg!.toArray(), [12], '6 w');
    w.grad = null; // breaks the reference cycle PyTorch warns about
  });
});

// --- Memory ---

test('Memory: torch.keep(t) exempts a tensor from scopes, as t.keep() does', () => {
  gc();
  const before = torch.memory().liveTensors;
  const kept = torch.tidy(() => {
    const t = torch.ones([3]);
    torch.keep(t);
    torch.ones([2]);
    return 0;
  });
  assert.equal(kept, 0);
  assert.equal(torch.memory().liveTensors, before + 1, 'the kept tensor outlives the scope, the other is freed');
  gc();
  // the kept tensor is unreachable now: only the GC backstop could free it, which the collection above did
  assert.equal(torch.memory().liveTensors, before);
});

test('Memory: native bytes are reported to V8, so the GC backstop sees real memory pressure', () => {
  // 1,000 undisposed 16 MiB tensors (reserved, never touched) with almost no JS allocation: only the reported
  // external bytes make V8 collect during the loop; unreported, all 15.6 GiB would stay live until the end
  gc();
  const before = torch.memory();
  let most = 0;
  for (let i = 0; i < 1000; i++) {
    torch.empty([16 * 2 ** 20], { dtype: 'uint8' });
    most = Math.max(most, torch.memory().bytes - before.bytes);
  }
  assert.ok(most < 4 * 2 ** 30, `up to ${(most / 2 ** 20).toFixed(0)} MiB of unreachable tensors were alive at once`);
  gc();
  assert.equal(torch.memory().liveTensors, before.liveTensors);
});

// --- Random numbers and threads ---

/** Runs a module body with `torch` imported in a fresh node with `env`; returns what it printed. */
function childOut(body: string, env: Record<string, string | undefined>): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { torch } from ${JSON.stringify(index)};\n${body}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('Threads: Flint sizes the BLAS pool as cores / intra-op threads (at least 1) at start-up', (ctx) => {
  const out = childOut('console.log(JSON.stringify([torch.getBlasThreads(), torch.getNumThreads()]));', { OPENBLAS_NUM_THREADS: undefined });
  const [blas, intra] = JSON.parse(out) as [number | null, number];
  if (blas === null) return ctx.skip('this libtorch does not use OpenBLAS');
  assert.equal(blas, Math.max(1, Math.floor(availableParallelism() / intra)));
});

test('Threads: a BLAS pool pinned with OPENBLAS_NUM_THREADS is left as pinned, at start-up and on setNumThreads', (ctx) => {
  const out = childOut('const a = torch.getBlasThreads(); torch.setNumThreads(1); console.log(JSON.stringify([a, torch.getBlasThreads()]));', {
    OPENBLAS_NUM_THREADS: '1',
  });
  const [atStart, afterSet] = JSON.parse(out) as [number | null, number | null];
  if (atStart === null) return ctx.skip('this libtorch does not use OpenBLAS');
  // unpinned, setNumThreads(1) would size the pool to all the cores (OpenBLAS caps a pin at the core count, so
  // the pin tested is 1, which differs from the policy's answer on any machine with 2 cores or more)
  assert.deepEqual([atStart, afterSet], [1, 1]);
});

// --- nn ---

test("nn: the README's Net prints as PyTorch's repr", () => {
  class Net extends nn.Module {
    conv = this.registerModule('conv', new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }));
    head = this.registerModule('head', new nn.Sequential(new nn.Flatten(), new nn.Linear(16 * 14 * 14, 10)));
    forward(x: Tensor): Tensor {
      return this.head.call(this.conv.call(x).relu());
    }
  }
  const model = new Net();
  assert.equal(
    String(model),
    [
      'Net(',
      '  (conv): Conv2d(1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))',
      '  (head): Sequential(',
      '    (0): Flatten(start_dim=1, end_dim=-1)',
      '    (1): Linear(in_features=3136, out_features=10, bias=True)',
      '  )',
      ')',
    ].join('\n'),
  );
  torch.tidy(() => assert.deepEqual([...model.call(torch.zeros([2, 1, 28, 28])).shape], [2, 10]));
  model.dispose();
});

test('nn: nn.functional is torch.functional', () => {
  assert.equal(nn.functional, torch.functional);
});

// --- data ---

test('data: batches are lent, but dl.oneBatch() returns an owned batch that outlives the next ones', () => {
  const ds = new data.TensorDataset(torch.arange(12).reshape(6, 2), torch.arange(6));
  const dl = new data.DataLoader(ds, { batchSize: 2 });
  const owned = dl.oneBatch() as Tensor[];
  const lent: Tensor[] = [];
  for (const b of dl) lent.push((b as Tensor[])[0]!);
  assert.deepEqual(
    lent.map((t) => t.isDisposed),
    [true, true, true],
    'each lent batch freed when the next was asked for, the last when the loop ended',
  );
  assert.deepEqual(
    owned.map((t) => t.isDisposed),
    [false, false],
  );
  assert.deepEqual(owned[0]!.toArray(), [
    [0, 1],
    [2, 3],
  ]);
  torch.dispose([owned, ds.tensors]);
});

// --- Learner ---

test('Learner: validation runs with gradients off', async () => {
  const seen = new Set<string>();
  const probe = new Callback({
    afterPred: (l) => {
      seen.add(`${l.training ? 'train' : 'valid'} ${torch.isGradEnabled()} ${l.pred!.requiresGrad}`);
    },
  });
  await fit(learner({ cbs: [probe] }), 1);
  assert.deepEqual([...seen].sort(), ['train true true', 'valid false false']);
});

test('Learner: state for callbacks: epoch, nEpoch, iter, nIter, trainIter, pctTrain, training, dl, xb, yb, pred, loss, lossGrad, smoothLoss, finalRecord, logger', async () => {
  const rows: string[] = [];
  let finalRecord: unknown;
  const probe = new Callback({
    afterBatch: (l) => {
      if (!l.training) return;
      assert.equal(l.dl, l.dls.train);
      assert.deepEqual([l.xb.length, l.yb.length, [...l.pred!.shape]], [1, 1, [8, 2]]);
      assert.deepEqual([l.lossGrad!.requiresGrad, l.loss!.requiresGrad, l.loss!.item()], [true, false, l.lossGrad!.item()]);
      assert.equal(typeof l.smoothLoss, 'number');
      assert.equal(typeof l.logger, 'function');
      rows.push(`${l.epoch}/${l.nEpoch} ${l.iter}/${l.nIter} ${l.trainIter} ${l.pctTrain}`);
    },
    afterFit: (l) => {
      finalRecord = l.finalRecord;
    },
  });
  probe.order = 55; // after the Recorder has taken the batch's loss into the smoothed one
  const l = learner({ cbs: [probe] });
  await fit(l, 2);
  // TrainEvalCallback counts a batch before the other callbacks see its end, as fastai's
  assert.deepEqual(rows, [
    '0/2 0/4 1 0.125',
    '0/2 1/4 2 0.25',
    '0/2 2/4 3 0.375',
    '0/2 3/4 4 0.5',
    '1/2 0/4 5 0.625',
    '1/2 1/4 6 0.75',
    '1/2 2/4 7 0.875',
    '1/2 3/4 8 1',
  ]);
  assert.deepEqual(finalRecord, l.recorder!.values.at(-1));
});

test("Learner: fit's resetOpt makes a fresh optimizer; without it the optimizer and its state carry on", async () => {
  const l = learner();
  await fit(l, 1);
  const first = l.opt;
  await fit(l, 1);
  assert.equal(l.opt, first, 'the same optimizer');
  await fit(l, 1, { resetOpt: true });
  assert.notEqual(l.opt, first, 'a new optimizer');
});

test('Learner: fit(nEpoch, lr, { wd }) sets the weight decay of every parameter group for the fit', async () => {
  const l = learner();
  const seen: number[] = [];
  await l.noBar(() =>
    l.fit(1, undefined, {
      wd: 0.25,
      cbs: [
        new Callback({
          beforeBatch: (x) => {
            seen.push(x.opt!.hypers[0]!.wd!);
          },
        }),
      ],
    }),
  );
  assert.deepEqual([...new Set(seen)], [0.25]);
  assert.equal(seen.length, 4 + 2, 'every training and validation batch');
});

test('Learner: a callback with runTrain false is not called in training, runValid false not in validation', async () => {
  const calls: string[] = [];
  const validOnly = new Callback({
    afterBatch: (l) => {
      calls.push(`validOnly ${l.training ? 'train' : 'valid'}`);
    },
  });
  validOnly.runTrain = false;
  const trainOnly = new Callback({
    afterBatch: (l) => {
      calls.push(`trainOnly ${l.training ? 'train' : 'valid'}`);
    },
  });
  trainOnly.runValid = false;
  await fit(learner({ cbs: [validOnly, trainOnly] }), 1);
  assert.deepEqual([...new Set(calls)].sort(), ['trainOnly train', 'validOnly valid']);
  assert.equal(calls.length, 4 + 2, '4 training and 2 validation batches');
});

test('Learner: TrackerCallback monitors any recorded column; an unknown one is an error naming the columns', async () => {
  const l = learner({ cbs: [new callbacks.EarlyStoppingCallback({ monitor: 'acuracy' })] });
  await assert.rejects(fit(l, 1), /EarlyStoppingCallback: 'acuracy' is not a recorded column \(train_loss, valid_loss, accuracy, time\)/);
  const ok = learner({ cbs: [new callbacks.SaveModelCallback({ monitor: 'accuracy', comp: 'greater' })] });
  await fit(ok, 1);
  assert.ok(existsSync(join(ok.path, 'models', 'model.safetensors')), 'the first epoch is the best so far');
});

test('Learner: TrackerCallback({ monitor, comp, minDelta, resetOnFit }): an improvement must beat the best by minDelta; resetOnFit forgets the best', async () => {
  const track = async (o: { minDelta?: number; resetOnFit?: boolean; comp?: 'less' | 'greater' }, runs: number[][]) => {
    const t = new callbacks.TrackerCallback({ monitor: 'score', ...o });
    const l = learner({ cbs: [t] });
    const bests: string[] = [];
    const probe = new Callback({
      afterEpoch: () => {
        bests.push(`${t.newBest ? '+' : '-'}${t.best}`);
      },
    });
    probe.order = 61; // after the tracker (60)
    l.addCb(probe);
    for (const values of runs) {
      l.metrics = [scripted('score', values)];
      await fit(l, values.length);
    }
    return bests;
  };
  // 'score' names neither a loss nor an error, so greater is better
  assert.deepEqual(await track({}, [[0.5, 0.55, 0.7]]), ['+0.5', '+0.55', '+0.7']);
  assert.deepEqual(await track({ minDelta: 0.1 }, [[0.5, 0.55, 0.7]]), ['+0.5', '-0.5', '+0.7']);
  assert.deepEqual(await track({ comp: 'less' }, [[0.5, 0.55, 0.4]]), ['+0.5', '-0.5', '+0.4']);
  assert.deepEqual(await track({}, [[0.7], [0.3]]), ['+0.7', '+0.3'], 'reset on fit by default');
  assert.deepEqual(await track({ resetOnFit: false }, [[0.7], [0.3]]), ['+0.7', '-0.7']);
});

test('Learner: CSVLogger(fname, append) appends to the file with append, starts it afresh without', async () => {
  const path = tmp('csv');
  const file = join(path, 'log.csv');
  const lines = () => readFileSync(file, 'utf8').trim().split('\n');
  await fit(learner({ path, cbs: [new callbacks.CSVLogger('log.csv')] }), 2);
  assert.equal(lines().length, 3);
  await fit(learner({ path, cbs: [new callbacks.CSVLogger('log.csv', true)] }), 1);
  assert.deepEqual(
    lines().map((l) => l.split(',')[0]),
    ['epoch', '0', '1', 'epoch', '0'],
  );
  await fit(learner({ path, cbs: [new callbacks.CSVLogger('log.csv', false)] }), 1);
  assert.deepEqual(
    lines().map((l) => l.split(',')[0]),
    ['epoch', '0'],
  );
});

test('Learner: ShowGraphCallback charts are byte-identical for the same data', async () => {
  const a = learner({ cbs: [new callbacks.ShowGraphCallback('g')] });
  const b = learner({ cbs: [new callbacks.ShowGraphCallback('g')] });
  await fit(a, 2);
  await fit(b, 2);
  assert.notEqual(a.path, b.path);
  for (const ext of ['svg', 'png']) {
    const bytes = readFileSync(join(a.path, `g.${ext}`));
    assert.ok(bytes.length > 100, ext);
    assert.ok(bytes.equals(readFileSync(join(b.path, `g.${ext}`))), `the two ${ext} charts differ`);
  }
});

test('Learner: MixUp(alpha = 0.4) and CutMix(alpha = 1): lam ~ Beta(alpha, alpha) with those defaults', () => {
  const beta = (cb: Callback): [number, number] => {
    const d = (cb as unknown as { distrib: torch.distributions.Beta }).distrib;
    assert.ok(d instanceof torch.distributions.Beta);
    return [d.concentration1, d.concentration0];
  };
  assert.deepEqual(beta(new callbacks.MixUp()), [0.4, 0.4]);
  assert.deepEqual(beta(new callbacks.CutMix()), [1, 1]);
  assert.deepEqual(beta(new callbacks.MixUp(2)), [2, 2]);
});

test('Learner: MixUp and CutMix read nothing back to the host (a fit reads as often as without them)', async () => {
  const readsWith = async (cbs: Callback[]): Promise<number> => {
    torch.manualSeed(0);
    const l = learner({ cbs, x: torch.randn([32, 1, 2, 2]), model: new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 2)) });
    const before = torch.hostReads();
    await fit(l, 2);
    return torch.hostReads() - before;
  };
  const plain = await readsWith([]);
  assert.equal(await readsWith([new callbacks.MixUp()]), plain, 'MixUp');
  assert.equal(await readsWith([new callbacks.CutMix()]), plain, 'CutMix');
});

test('Learner: TerminateOnNaNCallback stops the fit on an infinite loss too', async () => {
  let calls = 0;
  const l = learner({ cbs: [new callbacks.TerminateOnNaNCallback()] });
  const ce = new nn.CrossEntropyLoss();
  l.lossFunc = (p: Tensor, t: Tensor) => {
    calls++;
    const v = ce.call(p, t);
    return calls === 2 ? v.add(Infinity) : v;
  };
  await fit(l, 2);
  assert.equal(calls, 2, 'no batch after the infinite loss');
  assert.equal(l.recorder!.values.length, 0, 'the fit was cancelled inside its first epoch');
});

test('Learner: ReduceLROnPlateau({ patience, factor, minLr }) never goes below minLr', async () => {
  const l = learner({ cbs: [new callbacks.ReduceLROnPlateau({ monitor: 'error', patience: 1, factor: 10, minLr: 0.005 })] });
  l.metrics = [scripted('error', [0.5, 0.5, 0.5, 0.5, 0.5])];
  const lrs: number[] = [];
  l.addCb(
    new Callback({
      beforeEpoch: (x) => {
        lrs.push(x.opt!.hypers[0]!.lr!);
      },
    }),
  );
  await fit(l, 5);
  assert.deepEqual(
    lrs.map((v) => +v.toPrecision(6)),
    [0.1, 0.1, 0.01, 0.005, 0.005],
    'a tenth after each stalled epoch (patience 1), then held at minLr',
  );
});

test('Learner: SaveModelCallback({ atEnd: true }) saves the model as it is at the end instead of loading the best back', async () => {
  const l = learner({ cbs: [new callbacks.SaveModelCallback({ monitor: 'acc', atEnd: true })] });
  l.metrics = [scripted('acc', [0.5, 0.9, 0.6])];
  const weights: Tensor[] = [];
  l.addCb(
    new Callback({
      afterEpoch: (x) => {
        weights.push((x.model as nn.Linear).weight.clone().keep());
      },
    }),
  );
  await fit(l, 3);
  const saved = torch.load(join(l.path, 'models', 'model.safetensors'));
  torch.tidy(() => {
    assert.ok((l.model as nn.Linear).weight.equal(weights[2]!), 'the last weights stay');
    assert.ok(saved.weight!.equal(weights[2]!), 'the file holds the last weights');
    assert.ok(!weights[1]!.equal(weights[2]!));
  });
  torch.dispose([weights, saved]);
});

test('Learner: CastToTensor has order 9; t.as(Cls) re-types a tensor without copying', () => {
  assert.equal(new callbacks.CastToTensor().order, 9);
  const x = torch.zeros([3]);
  const img = x.as(data.TensorImage);
  assert.ok(img instanceof data.TensorImage);
  img.add_(1);
  assert.deepEqual(x.toArray(), [1, 1, 1], 'the same storage');
  torch.dispose([x, img]);
});

// --- The flint command ---

test("flint train --size: hidden blocks of 100/50, 200/100 or 400/200 units; a regressor (MSE, rmse) keeps its outputs in the target's range", () => {
  const dir = tmp('size');
  const csv = join(dir, 't.csv');
  writeTableCsv(csv, 100);
  const layers = (size: 'small' | 'medium' | 'large'): number[] => {
    const { learn } = buildTask({ csv, target: 'label', ignore: ['price', 'id'], size, runDir: dir });
    const m = learn.model as models.TabularModel;
    const widths = m
      .modules()
      .filter((x): x is nn.Linear => x instanceof nn.Linear)
      .map((x) => x.outFeatures);
    assert.ok(learn.lossFunc instanceof nn.CrossEntropyLossFlat);
    assert.deepEqual(
      learn.metrics.map((x) => x.name),
      ['accuracy'],
    );
    learn.model.dispose();
    return widths;
  };
  assert.deepEqual(layers('small'), [100, 50, 2]);
  assert.deepEqual(layers('medium'), [200, 100, 2]);
  assert.deepEqual(layers('large'), [400, 200, 2]);
  const { learn } = buildTask({ csv, target: 'price', ignore: ['label', 'id'], runDir: dir });
  assert.ok(learn.lossFunc instanceof nn.MSELossFlat);
  assert.deepEqual(
    learn.metrics.map((x) => x.name),
    ['rmse'],
  );
  // a tabular batch is [category codes, continuous columns, target]
  const y = (learn.dls.train.dataset as data.TensorDataset).tensors.at(-1)!;
  const [lo, hi] = torch.tidy(() => [y.min().item(), y.max().item()]);
  const range = (learn.model as models.TabularModel).yRange!;
  assert.ok(range[0] <= lo && range[1] >= hi && range[1] - range[0] <= 1.25 * (hi - lo), `yRange ${range} for targets in [${lo}, ${hi}]`);
  torch.tidy(() => {
    learn.model.eval();
    // one category code (0: unknown) and the two continuous columns, far outside anything seen in training
    const out = learn.model.call(torch.zeros([64, 1], { dtype: 'int64' }), torch.randn([64, 2]).mul(1000));
    assert.ok(out.min().item() >= range[0] && out.max().item() <= range[1], 'outputs inside the range even for wild inputs');
  });
  learn.model.dispose();
});

test('flint demo / train write their run folder to runs/<date-time>/ by default', () => {
  assert.match(defaultRunDir(), /^runs\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
});

test('flint predict writes row,prediction for regressors', async () => {
  const dir = tmp('predict');
  const csv = join(dir, 't.csv');
  writeTableCsv(csv, 60);
  const { learn } = buildTask({ csv, target: 'price', ignore: ['label', 'id'], size: 'small', runDir: dir });
  const file = learn.export();
  const out = predictionsCsv(await predict(file, csv))
    .trim()
    .split('\n');
  assert.equal(out[0], 'row,prediction');
  assert.equal(out.length, 61);
  // the predictions are the exported model's, row by row: the CSV through learn.dls.testDl(file) ...
  const loaded = loadLearner(file);
  const dls = loaded.dls as tabular.TabularDataLoaders;
  const want = torch.tidy(() => {
    loaded.model.eval();
    const [xCat, xCont] = (dls.testDl(csv).dataset as data.TensorDataset).tensors;
    return Array.from(loaded.model.call(xCat, xCont).flatten().toTypedArray() as Float32Array);
  });
  // ... and one row object through learn.predict(row), whose decoded value is a regression's prediction
  const [header, first] = readFileSync(csv, 'utf8').split('\n') as [string, string];
  const cells = first.split(',');
  const row = Object.fromEntries(header.split(',').map((k, i) => [k, k === 'color' || k === 'id' || k === 'label' ? cells[i]! : Number(cells[i])]));
  const one = loaded.predict(row);
  assert.ok(Math.abs(one.decoded.item() - want[0]!) <= 1e-4 * Math.max(1, Math.abs(want[0]!)), `predict(row) ${one.decoded.item()} vs ${want[0]}`);
  torch.dispose(one);
  out.slice(1).forEach((line, i) => {
    const [row, value] = line.split(',');
    assert.equal(Number(row), i + 1);
    assert.ok(Math.abs(Number(value) - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)), `${line} vs ${want[i]}`);
  });
  learn.model.dispose();
  loaded.model.dispose();
});

test('flint: bad option values and unknown options exit with status 1 and a message naming them', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--epochs', '2.5'], /option '--epochs <n>' argument '2\.5' is invalid/],
    [['demo', '--epoch', '2'], /unknown option '--epoch'/],
  ];
  for (const [argv, want] of cases) {
    const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, argv.join(' '));
    assert.match(r.stderr, want);
    assert.equal(r.stdout, '', 'nothing ran');
  }
});

test('flint: Ctrl-C while training exits with 130', async () => {
  const dir = tmp('sigint');
  const csv = join(dir, 't.csv');
  writeTableCsv(csv, 400);
  // pressed once the first epoch's row shows that the fit is running
  const { code, out, err } = await interruptWhen(
    [bin, 'train', '--csv', csv, '--target', 'label', '--ignore', 'price,id', '--size', 'small', '--epochs', '1000', '--out', join(dir, 'run')],
    [/^0\s/m],
  );
  assert.equal(code, 130, `stdout: ${out}\nstderr: ${err}`);
  assert.match(err, /^flint: interrupted \(SIGINT\) in epoch \d+, batch \d+/m);
});

test("Learner: around(phase, next): the README's SmoothInTraining trains with label smoothing and restores the loss function", async () => {
  const seen: unknown[] = [];
  class SmoothInTraining extends Callback {
    override aroundPhases: readonly AroundPhase[] = ['train'];
    override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
      if (phase !== 'train') return next();
      const saved = this.learn.lossFunc;
      this.learn.lossFunc = new nn.CrossEntropyLossFlat({ labelSmoothing: 0.1 });
      try {
        await next();
      } finally {
        this.learn.lossFunc = saved;
      }
    }
  }
  const probe = new Callback({
    afterLoss: (l) => {
      seen.push([l.training, (l.lossFunc as nn.CrossEntropyLossFlat).func?.constructor.name ?? 'plain']);
    },
  });
  const l = learner({ cbs: [new SmoothInTraining(), probe] });
  const original = l.lossFunc;
  l.removeCb(callbacks.ProgressCallback);
  await l.fit(1);
  assert.equal(l.lossFunc, original);
  assert.deepEqual(seen.at(0), [true, 'CrossEntropyLoss']);
  assert.deepEqual(seen.at(-1), [false, 'plain']);
});

test('Learner: logs.write prints from a callback through the progress output', async () => {
  const out: string[] = [];
  const l = learner({ cbs: [new Callback({ afterEpoch: (x) => x.logs.write(`epoch ${x.epoch}: lr ${x.opt!.hypers[0]!.lr}`) })] });
  l.removeCb(callbacks.ProgressCallback);
  l.addCb(
    new callbacks.ProgressCallback({
      isTTY: false,
      write: (s: string) => {
        out.push(s);
        return true;
      },
    }),
  );
  await l.fit(2);
  assert.deepEqual(
    out.filter((s) => s.startsWith('epoch 0:') || s.startsWith('epoch 1:')),
    ['epoch 0: lr 0.1\n', 'epoch 1: lr 0.1\n'],
  );
});
