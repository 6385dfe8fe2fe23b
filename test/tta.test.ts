// The DataLoader's afterBatch option (fastai's after_batch: batch transforms) and learn.tta (fastai's
// Learner.tta) built on it. tta is checked against predictions computed in plain JS from a fixed linear model's
// weights (softmax, as CrossEntropyLossFlat's activation): the augmented passes' mean or maximum, the plain pass,
// lerp by beta; the number of passes; beta null; no leaked tensors; the refusal when there is nothing to augment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback, Learner, FlintError, data, nn, torch, type Tensor } from '../src/index.js';
import type { Batch } from '../src/data/index.js';
import { gc } from './helpers.js';
import { tta as ttaFn, type TtaOptions, type TtaResult } from '../src/learner/tta.js';

// collected first: a tensor a finished test dropped may be finalized in the middle of a count
const live = (): number => {
  gc();
  return torch.memory().liveTensors;
};
const rows = (t: Tensor): number[][] => t.toArray() as number[][];

// ---- afterBatch ----

const X = [
  [1, 2],
  [3, 4],
  [5, 6],
  [7, 8],
  [9, 10],
  [11, 12],
];
const Y = [0, 1, 0, 1, 1, 0];
const double = (b: Batch): Batch => {
  const [x, y] = b as Tensor[];
  return [x!.mul(2), y!];
};

/** Every batch of one epoch, cloned (batches are lent), as nested arrays. */
function epoch(dl: data.DataLoader<any>): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (const b of dl) {
    const [xb, yb] = b as Tensor[];
    x.push(...rows(xb!));
    y.push(...(yb!.toArray() as number[]));
  }
  return { x, y };
}

test('afterBatch: iteration yields the transformed batches (tensor and item datasets, oneBatch)', () => {
  const x = torch.tensor(X);
  const y = torch.tensor(Y, { dtype: 'int64' });
  const dl = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 4, afterBatch: double });
  assert.deepEqual(epoch(dl), { x: X.map((r) => r.map((v) => 2 * v)), y: Y });
  assert.deepEqual(rows(x), X, 'the dataset is unchanged');
  const items = { length: 6, get: (i: number) => ({ x: torch.tensor(X[i]!), y: Y[i]! }) };
  const idl = new data.DataLoader(items, {
    batchSize: 4,
    afterBatch: (b) => {
      const o = b as Record<string, Tensor>;
      return [o.x!.add(1), o.y!];
    },
  });
  assert.deepEqual(epoch(idl), { x: X.map((r) => r.map((v) => v + 1)), y: Y });
  const one = idl.oneBatch() as Tensor[];
  assert.deepEqual(
    rows(one[0]!),
    X.slice(0, 4).map((r) => r.map((v) => v + 1)),
  );
  torch.dispose([one, x, y]);
});

test('afterBatch: dl.new keeps it, replaces it, or drops it with null; the loader exposes it', () => {
  const x = torch.tensor(X);
  const dl = new data.DataLoader(new data.TensorDataset(x), { batchSize: 6, afterBatch: (b) => [(b as Tensor[])[0]!.neg()] });
  const first = (l: data.DataLoader<any>): number[][] => {
    for (const b of l) return rows((b as Tensor[])[0]!);
    return [];
  };
  assert.deepEqual(
    first(dl.new({ batchSize: 3 })),
    X.slice(0, 3).map((r) => r.map((v) => -v)),
  );
  assert.deepEqual(
    first(dl.new({ afterBatch: undefined })),
    X.map((r) => r.map((v) => -v)),
  );
  assert.deepEqual(
    first(dl.new({ afterBatch: (b) => [(b as Tensor[])[0]!.add(10)] })),
    X.map((r) => r.map((v) => v + 10)),
  );
  const plain = dl.new({ afterBatch: null });
  assert.equal(plain.afterBatch, null);
  assert.deepEqual(first(plain), X);
  assert.equal(new data.DataLoader(new data.TensorDataset(x)).afterBatch, null);
  x.dispose();
});

test("afterBatch: the batch's tensors it did not return are freed at once, the rest with the batch; memory does not grow", () => {
  const x = torch.tensor(X);
  const y = torch.tensor(Y, { dtype: 'int64' });
  let seen: Tensor[] = [];
  const dl = new data.DataLoader(new data.TensorDataset(x, y), {
    batchSize: 2,
    shuffle: true,
    seed: 1,
    afterBatch: (b) => {
      seen = b as Tensor[];
      return double(b);
    },
  });
  for (const b of dl) {
    assert.equal(seen[0]!.isDisposed, true, 'the replaced input is freed before the batch is yielded');
    assert.equal(seen[1]!.isDisposed, false, 'the returned target lives with the batch');
    assert.notEqual((b as Tensor[])[0], seen[0]);
  }
  assert.equal(seen[1]!.isDisposed, true, 'freed when the epoch ends');
  const before = live();
  for (let e = 0; e < 3; e++) {
    for (const b of dl) {
      assert.equal((b as Tensor[]).length, 2);
      assert.equal(live(), before + 3, "one batch (two tensors) and the epoch's order alive");
    }
    assert.equal(live(), before, `after epoch ${e}`);
  }
  torch.dispose([x, y]);
});

test('afterBatch: a failing transform or a result that is not a batch is a FlintError naming it, and leaks nothing', () => {
  const x = torch.tensor(X);
  const before = live();
  const run = (f: (b: Batch) => Batch): void => {
    for (const b of new data.DataLoader(new data.TensorDataset(x), { batchSize: 4, afterBatch: f })) void b;
  };
  assert.throws(
    () =>
      run((b) => {
        (b as Tensor[])[0]!.mul(3);
        throw new Error('boom');
      }),
    (e: Error) => e instanceof FlintError && e.message === 'DataLoader: afterBatch failed on batch 0: boom',
  );
  assert.throws(
    () => run((b) => [(b as Tensor[])[0]!.mul(3), 'label'] as unknown as Batch),
    (e: Error) => e instanceof FlintError && /^DataLoader: the afterBatch result of batch 0 holds "label"/.test(e.message),
  );
  assert.throws(() => run(() => undefined as unknown as Batch), /: DataLoader: the afterBatch result of batch 0 holds undefined;/);
  assert.equal(live(), before);
  assert.throws(
    () => new data.DataLoader(new data.TensorDataset(x), { afterBatch: 3 as never }),
    /: data\.DataLoader: expected a function for options\.afterBatch, got 3$/,
  );
  x.dispose();
});

// ---- tta ----

// the model: logits = x W^T + b, fixed
const W = [
  [1, -1, 0.5],
  [0, 2, -1],
];
const B = [0.1, -0.2];
const XV = [
  [0.5, -1, 2],
  [1, 0, -0.5],
  [-1, 1, 1],
  [0.2, 0.3, -0.4],
  [2, -2, 0],
];
const YV = [0, 1, 1, 0, 1];

function softmaxRow(x: number[]): number[] {
  const logits = W.map((w, j) => w.reduce((s, wi, i) => s + wi * x[i]!, B[j]!));
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}
/** The model's probabilities for the validation rows scaled by k. */
const probs = (k: number): number[][] => XV.map((r) => softmaxRow(r.map((v) => v * k)));
const zip = (a: number[][], b: number[][], f: (p: number, q: number) => number): number[][] => a.map((r, i) => r.map((v, j) => f(v, b[i]![j]!)));

function assertRows(got: Tensor, want: number[][], what: string): void {
  const g = rows(got);
  assert.equal(g.length, want.length, what);
  g.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) < 1e-6, `${what}[${i}][${j}]: ${v} vs ${want[i]![j]}`)));
}

function learner(trainAfterBatch?: (b: Batch) => Batch): Learner {
  const dls = data.DataLoaders.fromTensors(torch.randn([6, 3]), torch.randint(0, 2, [6]), torch.tensor(XV), torch.tensor(YV, { dtype: 'int64' }), {
    batchSize: 2,
    seed: 0,
  });
  // a training loader with the transform, the validation loader without (fastai's valid split skips augmentations)
  const train = trainAfterBatch ? dls.train.new({ afterBatch: trainAfterBatch }) : dls.train;
  const model = new nn.Linear(3, 2);
  model.loadStateDict({ weight: torch.tensor(W), bias: torch.tensor(B) });
  return new Learner(new data.DataLoaders(train, dls.valid), model, { lossFunc: new nn.CrossEntropyLossFlat() });
}

/** learn.tta once the Learner has it, the function until then. */
function tta(learn: Learner, o?: TtaOptions): Promise<TtaResult> {
  const m = (learn as unknown as { tta?: (o?: TtaOptions) => Promise<TtaResult> }).tta;
  return typeof m === 'function' ? m.call(learn, o) : ttaFn(learn, o);
}

/** An augmentation scaling inputs by 2 in the first pass, 3 in the second...: pass p of a 3-batch loader is call
 * floor(calls / 3). Counts its calls. */
function scaling(): { f: (b: Batch) => Batch; calls: () => number } {
  let calls = 0;
  return {
    f: (b) => {
      const [x, y] = b as Tensor[];
      const k = Math.floor(calls++ / 3) + 2;
      return [x!.mul(k), y!];
    },
    calls: () => calls,
  };
}

test("tta: lerp(mean of the augmented passes, the plain pass, beta), with the training loader's afterBatch by default", async () => {
  const learn = learner((b) => {
    const [x, y] = b as Tensor[];
    return [x!.mul(2), y!];
  });
  const r = await tta(learn);
  // every pass is the same here: the mean is the x2 pass
  assertRows(
    r.preds,
    zip(probs(2), probs(1), (a, p) => 0.75 * a + 0.25 * p),
    'preds',
  );
  assert.deepEqual(r.targs!.toArray(), YV);
  assert.equal(r.plainPreds, undefined);
  torch.dispose(r);
});

test('tta: augment overrides the training transform; n passes, averaged; beta', async () => {
  const learn = learner((b) => {
    const [x, y] = b as Tensor[];
    return [x!.mul(100), y!];
  });
  const aug = scaling();
  const r = await tta(learn, { n: 3, beta: 0.4, augment: aug.f });
  assert.equal(aug.calls(), 9, 'three passes of three batches; the plain pass is not augmented');
  const mean = zip(
    zip(probs(2), probs(3), (a, b) => a + b),
    probs(4),
    (a, b) => (a + b) / 3,
  );
  assertRows(
    r.preds,
    zip(mean, probs(1), (a, p) => 0.6 * a + 0.4 * p),
    'preds',
  );
  torch.dispose(r);
  const r1 = await tta(learn, { n: 1, beta: 0, augment: scaling().f });
  assertRows(r1.preds, probs(2), 'beta 0: the augmented pass alone');
  torch.dispose(r1);
  const r2 = await tta(learn, { n: 1, beta: 1, augment: scaling().f });
  assertRows(r2.preds, probs(1), 'beta 1: the plain pass alone');
  torch.dispose(r2);
});

test('tta: useMax takes the element-wise maximum of the passes and of that and the plain pass', async () => {
  const learn = learner();
  const r = await tta(learn, { n: 2, useMax: true, augment: scaling().f });
  const want = zip(zip(probs(2), probs(3), Math.max), probs(1), Math.max);
  assertRows(r.preds, want, 'preds');
  // the maximum is not a mean: some entry must differ from the mean's blend for the test to mean anything
  const blend = zip(
    zip(probs(2), probs(3), (a, b) => (a + b) / 2),
    probs(1),
    (a, p) => 0.75 * a + 0.25 * p,
  );
  assert.ok(want.some((row, i) => row.some((v, j) => Math.abs(v - blend[i]![j]!) > 1e-3)));
  torch.dispose(r);
});

test('tta: beta null returns the augmented and plain predictions apart', async () => {
  const learn = learner();
  const r = await tta(learn, { n: 2, beta: null, augment: scaling().f });
  assertRows(
    r.preds,
    zip(probs(2), probs(3), (a, b) => (a + b) / 2),
    'preds (augmented)',
  );
  assertRows(r.plainPreds!, probs(1), 'plainPreds');
  assert.deepEqual(r.targs!.toArray(), YV);
  torch.dispose(r);
});

test('tta: a given dl is predicted on instead of the validation loader', async () => {
  const learn = learner();
  const dl = new data.DataLoader(new data.TensorDataset(torch.tensor(XV.slice(0, 3)), torch.tensor(YV.slice(0, 3), { dtype: 'int64' })), {
    batchSize: 2,
    shuffle: true,
    dropLast: true,
  });
  const r = await tta(learn, {
    dl,
    n: 1,
    augment: (b) => {
      const [x, y] = b as Tensor[];
      return [x!.mul(2), y!];
    },
  });
  assertRows(r.preds, zip(probs(2), probs(1), (a, p) => 0.75 * a + 0.25 * p).slice(0, 3), 'every item, in order');
  torch.dispose([r, (dl.dataset as data.TensorDataset).tensors]);
});

test('tta: nothing leaks: live tensors are back to the baseline once the results are disposed', async () => {
  const learn = learner((b) => {
    const [x, y] = b as Tensor[];
    return [x!.mul(2), y!];
  });
  torch.dispose(await tta(learn, { n: 1 })); // anything made once per Learner
  for (const o of [{}, { n: 3, useMax: true }, { beta: null }] as TtaOptions[]) {
    const before = live();
    const r = await tta(learn, o);
    torch.dispose(r);
    assert.equal(live(), before, JSON.stringify(o));
  }
  // a failing augmentation too (a successful call after it, as the Learner may hold state of its last batch)
  const before = live();
  await assert.rejects(
    tta(learn, {
      augment: (b) => {
        (b as Tensor[])[0]!.mul(2);
        throw new Error('flip failed');
      },
    }),
    (e: Error) => e instanceof FlintError && /^Learner\.tta: .*afterBatch failed on batch 0: flip failed/.test(e.message),
  );
  torch.dispose(await tta(learn, { n: 1 }));
  assert.equal(live(), before);
});

test('tta: with no training transform and no augment there is nothing to augment with', async () => {
  const learn = learner();
  await assert.rejects(
    tta(learn),
    (e: Error) =>
      e instanceof FlintError &&
      e.message === 'Learner.tta: nothing to augment with: the training loader has no afterBatch transform; give opts.augment',
  );
  await assert.rejects(tta(learn, { n: 0, augment: (b) => b }), /: Learner\.tta: expected an integer >= 1 and <= 1000 for opts\.n, got 0$/);
  await assert.rejects(tta(learn, { n: 1001, augment: (b) => b }), /: Learner\.tta: expected an integer >= 1 and <= 1000 for opts\.n, got 1001$/);
  await assert.rejects(tta(learn, { beta: 1.5, augment: (b) => b }), /: Learner\.tta: expected .* for opts\.beta, got 1\.5$/);
});

test('tta: refused while another operation runs; allowed from a callback of the running one', async () => {
  const learn = learner((b) => {
    const [x, y] = b as Tensor[];
    return [x!.mul(2), y!];
  });
  learn.logger = () => {};
  const fit = learn.fit(1);
  await assert.rejects(tta(learn, { n: 1 }), (e: Error) => e instanceof FlintError && /^Learner\.tta: .*is running on this Learner/.test(e.message));
  await fit;
  let inner: number[][] | null = null;
  // validation fires afterFit too: the callback runs tta once, not again from inside its own passes
  await learn.fit(1, undefined, {
    cbs: [
      new Callback({
        afterFit: async (l) => {
          if (inner !== null) return;
          inner = [];
          const r = await tta(l as Learner, { n: 1, beta: 0 });
          inner = rows(r.preds);
          torch.dispose(r);
        },
      }),
    ],
  });
  assert.equal(inner!.length, XV.length, 'every validation item');
});
