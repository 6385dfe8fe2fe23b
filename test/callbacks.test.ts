// Training callbacks: gradient clipping and accumulation, NaN termination, early stopping, checkpoints on
// improvement, lr reduction on plateaus, and the CSV log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Callback, Learner, callbacks, data, metrics, nn, optim, torch, type Tensor } from '../src/index.js';

function learner(
  o: { batchSize?: number; cbs?: Callback[]; metrics?: metrics.Metric[]; lossFunc?: nn.Module | ((p: Tensor, t: Tensor) => Tensor) } = {},
): Learner {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([32, 4]), torch.randint(0, 2, [32]), torch.randn([16, 4]), torch.randint(0, 2, [16]), {
    batchSize: o.batchSize ?? 8,
    shuffle: false,
  });
  const l = new Learner(dls, new nn.Linear(4, 2), {
    lossFunc: o.lossFunc ?? new nn.CrossEntropyLoss(),
    cbs: o.cbs,
    metrics: o.metrics,
    optFunc: (p, h) => optim.SGD(p, h),
    lr: 0.1,
    path: mkdtempSync(join(tmpdir(), 'flint-cbs-')),
  });
  l.logger = () => {};
  return l;
}
const fit = (l: Learner, n: number) => l.noBar(() => l.fit(n));

test('clipGradNorm_ scales the gradients to the max total norm, as PyTorch', () => {
  torch.tidy(() => {
    const a = torch.tensor([3, 4], { requiresGrad: true });
    const b = torch.tensor([12], { requiresGrad: true });
    a.grad = torch.tensor([3, 4]);
    b.grad = torch.tensor([12]);
    const total = nn.clipGradNorm_([a, b], 6.5);
    assert.ok(Math.abs(total.item() - 13) < 1e-6);
    const coef = 6.5 / (13 + 1e-6);
    assert.ok(a.grad!.allclose(torch.tensor([3 * coef, 4 * coef])) && b.grad!.allclose(torch.tensor([12 * coef])));
    nn.clipGradNorm_([a, b], 100);
    assert.ok(b.grad!.allclose(torch.tensor([12 * coef])), 'no scaling below the max');
  });
});

test("GradientClip keeps each step's gradient norm at most maxNorm", async () => {
  const norms: number[] = [];
  const probe = new Callback({
    beforeStep: (l) => {
      norms.push(
        torch.tidy(() =>
          torch
            .stack(l.model.parameters().map((p) => p.grad!.norm()))
            .norm()
            .item(),
        ),
      );
    },
  });
  probe.order = 21; // after GradientClip (20)
  const l = learner({ cbs: [new callbacks.GradientClip(0.05), probe] });
  await fit(l, 1);
  assert.ok(norms.length === 4 && norms.every((n) => n <= 0.05 + 1e-6), JSON.stringify(norms));
});

test('GradientAccumulation: two accumulated batches of 8 make the same step as one batch of 16', async () => {
  const whole = learner({ batchSize: 16 });
  const acc = learner({ batchSize: 8, cbs: [new callbacks.GradientAccumulation(16)] });
  let steps = 0;
  acc.addCb(
    new Callback({
      afterStep: () => {
        steps++;
      },
    }),
  );
  await fit(whole, 1);
  await fit(acc, 1);
  assert.equal(steps, 2, '4 batches of 8, a step every 16 samples');
  torch.tidy(() => assert.ok((acc.model as nn.Linear).weight.allclose((whole.model as nn.Linear).weight, 1e-5, 1e-6)));
});

test('TerminateOnNaNCallback stops the fit at the first NaN loss', async () => {
  let calls = 0;
  const lossFunc = (p: Tensor, t: Tensor) => {
    calls++;
    const l = torch.functional.crossEntropy(p, t);
    return calls === 3 ? l.mul(NaN) : l;
  };
  const l = learner({ lossFunc, cbs: [new callbacks.TerminateOnNaNCallback()] });
  await fit(l, 2);
  assert.equal(calls, 3, 'no batch after the NaN');
  assert.equal(l.recorder!.values.length, 0, 'the fit was cancelled inside its first epoch');
});

/** A metric reporting a given value per epoch. */
function scripted(name: string, values: number[]): metrics.Metric {
  let epoch = -1;
  const m = new metrics.ValueMetric(() => values[epoch]!, name);
  m.reset = () => {
    epoch += 1;
  };
  return m;
}

test('EarlyStoppingCallback stops after `patience` epochs without improvement', async () => {
  const l = learner({
    metrics: [scripted('score', [0.5, 0.7, 0.69, 0.68, 0.9])],
    cbs: [new callbacks.EarlyStoppingCallback({ monitor: 'score', patience: 2 })],
  });
  await fit(l, 5);
  assert.equal(l.recorder!.values.length, 4, 'epochs 0-3 ran; 2 and 3 did not improve on 0.7');
});

test('ReduceLROnPlateau divides the lr when the monitored value stalls', async () => {
  const l = learner({
    metrics: [scripted('error', [0.5, 0.4, 0.45, 0.45, 0.3])],
    cbs: [new callbacks.ReduceLROnPlateau({ monitor: 'error', patience: 1, factor: 10 })],
  });
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
    [0.1, 0.1, 0.1, 0.01, 0.001],
  );
});

test('SaveModelCallback saves on improvement and reloads the best model at the end', async () => {
  const weights: Tensor[] = [];
  const l = learner({ metrics: [scripted('acc', [0.5, 0.9, 0.6])], cbs: [new callbacks.SaveModelCallback({ monitor: 'acc' })] });
  l.addCb(
    new Callback({
      afterEpoch: (x) => {
        weights.push((x.model as nn.Linear).weight.clone().keep());
      },
    }),
  );
  await fit(l, 3);
  torch.tidy(() => assert.ok((l.model as nn.Linear).weight.equal(weights[1]!), 'the epoch-1 weights are back'));
  torch.dispose(weights);
});

test('CSVLogger writes the header and one line per epoch, keeping the other output', async () => {
  const rows: unknown[] = [];
  const l = learner({ metrics: [metrics.accuracy()], cbs: [new callbacks.CSVLogger('logs/history.csv')] });
  l.logger = (r) => rows.push(r);
  await fit(l, 2);
  const lines = readFileSync(join(l.path, 'logs/history.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'epoch,train_loss,valid_loss,accuracy,time');
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /^1,\d\.\d+,\d\.\d+,\d(\.\d+)?,\d\d:\d\d$/);
  assert.equal(rows.length, 2);
});

test('ShowGraphCallback redraws the loss chart after each epoch, not during the LR finder', async () => {
  const charts: string[] = [];
  const probe = new Callback({
    afterEpoch: (l) => {
      const svg = readFileSync(join(l.path, 'loss.svg'), 'utf8');
      assert.equal(svg, (l as Learner).recorder!.plotLoss({ skipStart: 0 }), 'the chart of the epochs so far');
      charts.push(svg);
    },
  });
  probe.order = 70;
  const l = learner({ cbs: [new callbacks.ShowGraphCallback(), probe] });
  await fit(l, 2);
  assert.equal(charts.length, 2);
  assert.notEqual(charts[0], charts[1], 'redrawn with the second epoch');
  const fresh = learner({ cbs: [new callbacks.ShowGraphCallback()] });
  await fresh.noBar(() => fresh.lrFind({ numIt: 8, showPlot: false }));
  assert.ok(!existsSync(join(fresh.path, 'loss.svg')), 'nothing drawn by the LR finder');
});

test('the tracker callbacks stand aside during the LR finder, and track the next fit again', async () => {
  const stop = new callbacks.EarlyStoppingCallback({ patience: 1 });
  const save = new callbacks.SaveModelCallback();
  const reduce = new callbacks.ReduceLROnPlateau({ patience: 1 });
  const l = learner({ cbs: [stop, save, reduce] });
  // 4 batches an epoch: the finder's 12 batches span 4 epochs, none of them validated
  const { valley } = await l.noBar(() => l.lrFind({ numIt: 12, stopDiv: false, showPlot: false }));
  assert.ok(valley !== undefined && Number.isFinite(valley) && valley > 0, `valley ${valley}`);
  assert.equal(l.recorder!.lrs.length, 12, 'every batch of the finder ran');
  assert.equal(save.lastSavedPath, null, 'no checkpoint saved by the finder');
  assert.equal(stop.run && save.run && reduce.run, true, 'switched back on after the finder');
  // the next fit is tracked: valid_loss improves in epoch 0 at least, so SaveModel saves
  await fit(l, 1);
  assert.ok(save.lastSavedPath !== null && existsSync(save.lastSavedPath), 'a checkpoint saved by the real fit');
});

test('ShortEpochCallback runs pct of the training batches, and of the validation batches when shortValid', async () => {
  const count = (shortValid: boolean) => {
    const n = { train: 0, valid: 0 };
    const probe = new Callback({
      afterBatch: (x) => {
        n[x.training ? 'train' : 'valid'] += 1;
      },
    });
    probe.order = -20; // counts every batch, before anything may cancel
    return { n, cbs: [new callbacks.ShortEpochCallback(0.25, shortValid), probe] };
  };
  const a = count(true);
  const l = learner({ batchSize: 2, cbs: a.cbs }); // 16 training and 8 validation batches an epoch
  await fit(l, 2);
  assert.deepEqual(a.n, { train: 8, valid: 4 }, '4 of 16 and 2 of 8 batches, in each of 2 epochs');
  assert.equal(l.recorder!.losses.length, 8, 'the last batch of each epoch was recorded too');
  assert.equal(l.recorder!.values.length, 2, 'both epochs ended normally');
  const b = count(false);
  const full = learner({ batchSize: 2, cbs: b.cbs });
  await fit(full, 1);
  assert.deepEqual(b.n, { train: 4, valid: 8 }, 'validation not shortened');
});

test("BnFreeze keeps the running statistics of the frozen groups' batch norms and updates the others", async () => {
  const run = async (cbs: Callback[]) => {
    torch.manualSeed(0);
    const body = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8));
    const head = new nn.Sequential(new nn.BatchNorm1d(8), new nn.Linear(8, 2));
    const model = new nn.Sequential(body, head);
    const dls = data.DataLoaders.fromTensors(
      torch.randn([32, 4]).mul(3).add(2),
      torch.randint(0, 2, [32]),
      torch.randn([16, 4]),
      torch.randint(0, 2, [16]),
      { batchSize: 8, shuffle: false },
    );
    const l = new Learner(dls, model, {
      lossFunc: new nn.CrossEntropyLoss(),
      optFunc: (p, h) => optim.SGD(p, h),
      lr: 0.1,
      cbs,
      splitter: (m) => [(m as nn.Sequential).at(0).parameters(), (m as nn.Sequential).at(1).parameters()],
      path: mkdtempSync(join(tmpdir(), 'flint-cbs-')),
    });
    l.logger = () => {};
    l.freeze();
    const means = () => [body.at(1), head.at(0)].map((bn) => (bn as nn.BatchNorm1d).runningMean!.toArray() as number[]);
    const before = means();
    await fit(l, 1);
    return { before, after: means() };
  };
  const frozen = await run([new callbacks.BnFreeze()]);
  assert.deepEqual(frozen.after[0], frozen.before[0], "the frozen body's statistics are unchanged");
  assert.notDeepEqual(frozen.after[1], frozen.before[1], "the trained head's statistics moved");
  const plain = await run([]);
  assert.notDeepEqual(plain.after[0], plain.before[0], "without BnFreeze the frozen body's statistics move");
});
