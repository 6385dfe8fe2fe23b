// Autocast, the GradScaler and the MixedPrecision callback, on the CPU (bfloat16; the float16 path of the scaler
// is exercised with the scaler switched on explicitly, and on CUDA in cuda.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback, CancelEpochException, Learner, callbacks, data, nn, optim, torch } from '../src/index.js';
import { settle } from './helpers.js';

test('autocast runs linear layers in bfloat16 on the CPU and restores the previous state, also after errors', async () => {
  torch.tidy(() => {
    const lin = new nn.Linear(4, 3);
    const x = torch.randn([2, 4]);
    assert.equal(torch.autocastState('cpu').enabled, false);
    const y = torch.autocast({ deviceType: 'cpu' }, () => {
      assert.deepEqual(torch.autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
      return lin.call(x);
    });
    assert.equal(y.dtype, 'bfloat16');
    assert.equal(torch.autocastState('cpu').enabled, false);
    assert.equal(lin.call(x).dtype, 'float32');
    // the bfloat16 result is the float32 one rounded along the way: close, not equal
    assert.ok(y.float().allclose(lin.call(x), 2e-2, 2e-2));
    // nested: the inner region's exit leaves the outer one on
    torch.autocast({ deviceType: 'cpu' }, () => {
      torch.autocast({ deviceType: 'cpu', enabled: false }, () => assert.equal(lin.call(x).dtype, 'float32'));
      assert.equal(lin.call(x).dtype, 'bfloat16');
    });
    assert.throws(
      () =>
        torch.autocast({ deviceType: 'cpu' }, () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(torch.autocastState('cpu').enabled, false);
    assert.throws(
      () => torch.autocast({ deviceType: 'cpu', dtype: 'float64' }, () => 0),
      /torch\.autocast: expected 'float16' or 'bfloat16' for opts\.dtype, got "float64"/,
    );
    assert.throws(
      () => torch.autocast({ deviceType: 'tpu' as 'cpu' }, () => 0),
      /torch\.autocast: expected one of 'cpu', 'cuda' for deviceType, got "tpu"/,
    );
  });
  await torch.autocast({ deviceType: 'cpu' }, async () => {
    await new Promise((r) => setImmediate(r));
    assert.equal(torch.autocastState('cpu').enabled, true, 'an async region stays on until it settles');
  });
  assert.equal(torch.autocastState('cpu').enabled, false);
});

test("GradScaler: unscale_ divides the gradients and flags non-finite ones; update follows PyTorch's rule", () => {
  torch.tidy(() => {
    const p = torch.tensor([1, 2], { requiresGrad: true });
    const s = new optim.GradScaler({ initScale: 4, growthInterval: 2 });
    const scaled = s.scale(torch.tensor(3));
    assert.equal(scaled.item(), 12);
    p.grad = torch.tensor([2, 4]);
    const found = s.unscale_([p]);
    assert.equal(found.item(), 0);
    assert.deepEqual(p.grad!.toArray(), [0.5, 1]);
    p.grad = torch.tensor([2, Infinity]);
    assert.equal(s.unscale_([p]).item(), 1);
    p.grad = torch.tensor([NaN, 1]);
    assert.equal(s.unscale_([p]).item(), 1);
    // found per step -> scale after the step, by hand: grow x2 after 2 clean steps in a row, halve on overflow
    // (restarting the count)
    const seq = [0, 0, 1, 0, 0, 0, 1, 1, 0];
    const want = [4, 8, 4, 4, 8, 8, 4, 2, 2];
    seq.forEach((f, i) => {
      s.update(torch.tensor(f));
      assert.equal(s.getScale(), want[i], `after step ${i}`);
    });
    s.reset();
    assert.equal(s.getScale(), 4);
    assert.throws(
      () => new optim.GradScaler({ backoffFactor: 2 }),
      /optim.GradScaler: expected a number > 0 and < 1 \(backoffFactor out of range\) for backoffFactor, got 2/,
    );
  });
});

function learner(cbs: Callback[], o: { batchSize?: number } = {}): Learner {
  torch.manualSeed(0);
  const x = torch.randn([64, 8]);
  const y = x.narrow(1, 0, 1).squeeze(1).gt(0).long();
  const dls = data.DataLoaders.fromTensors(x, y, x.narrow(0, 0, 16), y.narrow(0, 0, 16), { batchSize: o.batchSize ?? 16, shuffle: false });
  torch.manualSeed(1);
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 2));
  const l = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLoss(), optFunc: (p, h) => optim.SGD(p, h), lr: 0.5, cbs });
  l.logger = () => {};
  return l;
}
const weights = (l: { model: nn.Module }) => l.model.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));

test('MixedPrecision trains in bfloat16 on the CPU: low-precision forward, float32 pred, loss and weights', async () => {
  const seen: string[] = [];
  const before = new Callback({
    afterPred: (l) => {
      seen.push(`pred ${l.pred!.dtype}`);
    },
  });
  before.order = 5;
  const after = new Callback({
    afterPred: (l) => {
      seen.push(`pred ${l.pred!.dtype}`);
    },
    afterLoss: (l) => {
      seen.push(`loss ${l.loss!.dtype} autocast ${torch.autocastState('cpu').enabled}`);
    },
  });
  after.order = 11;
  const mp = new callbacks.MixedPrecision();
  const l = learner([mp, before, after]);
  await l.noBar(() => l.fit(6));
  await settle();
  const live = torch.memory().liveTensors;
  assert.deepEqual(seen.slice(0, 3), ['pred bfloat16', 'pred float32', 'loss float32 autocast false']);
  assert.equal(torch.autocastState('cpu').enabled, false, 'autocast is off after the fit');
  assert.equal(mp.scaler!.enabled, false, 'no scaler for bfloat16');
  assert.ok(l.model.parameters().every((p) => p.dtype === 'float32'));
  const losses = l.recorder!.values.map((r) => r[0] as number);
  assert.ok(losses.at(-1)! < losses[0]! * 0.8, `the loss falls: ${losses}`);
  await l.noBar(() => l.fit(2));
  await settle();
  assert.equal(torch.memory().liveTensors, live, 'no tensors pile up across fits');
});

test('MixedPrecision: the scaled run steps exactly as the unscaled one and logs the same (unscaled) losses', async () => {
  const plain = learner([new callbacks.MixedPrecision()]);
  const scaled = learner([new callbacks.MixedPrecision({ scaler: true, initScale: 2 ** 10 })]);
  await plain.noBar(() => plain.fit(2));
  await scaled.noBar(() => scaled.fit(2));
  // multiplying by a power of two and dividing by it again is exact in floating point
  assert.deepEqual(weights(scaled), weights(plain));
  assert.deepEqual(scaled.recorder!.values, plain.recorder!.values);
  // with GradientAccumulation the scaled gradients are unscaled once, at the real step
  const accPlain = learner([new callbacks.MixedPrecision(), new callbacks.GradientAccumulation(32)]);
  const accScaled = learner([new callbacks.MixedPrecision({ scaler: true }), new callbacks.GradientAccumulation(32)]);
  await accPlain.noBar(() => accPlain.fit(1));
  await accScaled.noBar(() => accScaled.fit(1));
  assert.deepEqual(weights(accScaled), weights(accPlain));
});

test('MixedPrecision skips a step whose gradients overflowed (CancelStepException) and backs the scale off', async () => {
  const mp = new callbacks.MixedPrecision({ scaler: true, initScale: 2 ** 16, growthInterval: 1000 });
  const events: string[] = [];
  let snapshot: number[][] = [];
  const inject = new Callback({
    afterBackward: (l) => {
      if (l.iter === 2) l.model.parameters()[0]!.grad!.fill_(Infinity);
    },
    beforeBatch: (l) => {
      if (l.training && l.iter === 2) snapshot = weights(l);
    },
    afterCancelStep: () => {
      events.push('afterCancelStep');
    },
    afterBatch: (l) => {
      if (l.training && l.iter === 2) assert.deepEqual(weights(l), snapshot, 'weights unchanged by the skipped step');
    },
  });
  const l = learner([mp, inject]);
  await l.noBar(() => l.fit(1));
  assert.equal(mp.skippedSteps, 1);
  assert.deepEqual(events, ['afterCancelStep']);
  assert.equal(mp.scaler!.getScale(), 2 ** 15);
  assert.ok(
    l.model.parameters().every((p) => torch.tidy(() => p.isfinite().all().float().item()) === 1),
    'no inf reached the weights',
  );
  assert.ok(Number.isFinite(l.recorder!.values[0]![0] as number));
});

test('MixedPrecision: an error in the forward pass leaves autocast off', async () => {
  const boom = new Callback({
    afterPred: () => {
      throw new Error('boom');
    },
  });
  boom.order = 5; // before MixedPrecision's afterPred: autocast is still on
  const l = learner([new callbacks.MixedPrecision(), boom]);
  await assert.rejects(
    l.noBar(() => l.fit(1)),
    /boom/,
  );
  assert.equal(torch.autocastState('cpu').enabled, false);
  assert.equal(
    torch.tidy(() => new nn.Linear(2, 2).call(torch.randn([1, 2])).dtype),
    'float32',
  );
  assert.throws(
    () => new callbacks.MixedPrecision({ dtype: 'float32' as 'float16' }),
    /callbacks\.MixedPrecision: expected one of 'bfloat16', 'float16' for opts\.dtype, got "float32"/,
  );
});

test('MixedPrecision: autocast is off once a phase is cancelled in the middle of a batch', async () => {
  const states: boolean[] = [];
  const cancel = new Callback({
    afterPred: (l) => {
      if (l.training && l.iter === 0 && l.epoch === 0) throw new CancelEpochException();
    },
  });
  cancel.order = 5; // before MixedPrecision's afterLoss: autocast is on when it throws
  const probe = new Callback({
    afterEpoch: () => {
      states.push(torch.autocastState('cpu').enabled);
    },
  });
  probe.order = 20;
  const l = learner([new callbacks.MixedPrecision(), cancel, probe]);
  await l.noBar(() => l.fit(2));
  assert.deepEqual(states, [false, false]);
});
