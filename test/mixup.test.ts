// Beta sampling, MixUp and CutMix: the mixed batches and losses against their definitions, training only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback, CancelEpochException, CancelFitException, Learner, callbacks, data, nn, optim, torch, type Tensor } from '../src/index.js';
import { liveTensors } from './helpers.js';

test("Beta and Gamma samples have the distributions' mean and variance", () => {
  torch.tidy(() => {
    torch.manualSeed(0);
    for (const [a, b] of [
      [0.4, 0.4],
      [2, 5],
      [1, 1],
    ] as const) {
      const d = new torch.distributions.Beta(a, b);
      const s = d.sample([200000]);
      assert.equal(s.dtype, 'float32');
      assert.ok(s.min().item() >= 0 && s.max().item() <= 1);
      // standard error of the mean at n = 200000 is under 0.0011 for these; 5 sigma
      assert.ok(Math.abs(s.mean().item() - d.mean) < 0.005, `Beta(${a}, ${b}) mean ${s.mean().item()} vs ${d.mean}`);
      assert.ok(Math.abs(s.var().item() - d.variance) < 0.005, `Beta(${a}, ${b}) variance ${s.var().item()} vs ${d.variance}`);
    }
    const g = torch.standardGamma(torch.full([200000], 2.5));
    assert.ok(Math.abs(g.mean().item() - 2.5) < 0.03 && Math.abs(g.var().item() - 2.5) < 0.1, 'Gamma(2.5): mean = variance = 2.5');
    assert.throws(() => new torch.distributions.Beta(0, 1), /torch\.distributions\.Beta: expected a finite number > 0 for concentration1, got 0/);
  });
});

function learner(x: Tensor, y: Tensor, cbs: Callback[], lossFunc: nn.Module): Learner {
  const dls = data.DataLoaders.fromTensors(x, y, x.narrow(0, 0, 8), y.narrow(0, 0, 8), { batchSize: 8, shuffle: false });
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(30, y.ndim === 2 ? y.shape[1]! : 3));
  const l = new Learner(dls, model, { lossFunc, optFunc: (p, h) => optim.SGD(p, h), lr: 0.1, cbs });
  l.logger = () => {};
  return l;
}

torch.manualSeed(0);
const X = torch.keep(torch.randn([16, 1, 6, 5]));
const Y = torch.keep(torch.randint(0, 3, [16]));

test('MixUp blends inputs with per-sample lam >= 0.5 and interpolates the loss for integer targets', async () => {
  const mix = new callbacks.MixUp(0.4);
  const checks: string[] = [];
  const probe = new Callback({
    afterLoss: (l) => {
      if (!l.training) return;
      const lam = mix.lam!;
      const i0 = l.iter * 8;
      const x = X.narrow(0, i0, 8);
      const y = Y.narrow(0, i0, 8);
      assert.ok(lam.min().item() >= 0.5 && lam.max().item() <= 1);
      const want = x.indexSelect(0, mix.shuffle!).lerp(x, lam.reshape([8, 1, 1, 1]));
      assert.ok(l.xb[0]!.allclose(want, 1e-6, 1e-7), 'xb = lam * x + (1 - lam) * x[shuffle]');
      assert.ok(l.yb[0]!.equal(y), 'integer targets are left alone');
      const ce = (t: Tensor) => torch.functional.crossEntropy(l.pred!, t, { reduction: 'none' });
      const wantLoss = lam
        .mul(ce(y))
        .add(
          lam
            .neg()
            .add(1)
            .mul(ce(y.indexSelect(0, mix.shuffle!))),
        )
        .mean();
      assert.ok(Math.abs(l.loss!.item() - wantLoss.item()) < 1e-6, `loss ${l.loss!.item()} vs ${wantLoss.item()}`);
      checks.push('train');
    },
  });
  probe.order = 50;
  const lossFunc = new nn.CrossEntropyLoss();
  const l = learner(X, Y, [mix, probe], lossFunc);
  await l.noBar(() => l.fit(1));
  const live = liveTensors();
  await l.noBar(() => l.fit(1));
  assert.deepEqual(checks, ['train', 'train', 'train', 'train']);
  assert.equal(l.lossFunc, lossFunc, 'the loss function is restored after training');
  assert.equal(lossFunc.reduction, 'mean');
  assert.equal(liveTensors(), live, 'no tensors left behind');
  // validation is not mixed: the same loss as without MixUp
  const [withMix] = await l.validate();
  const [without] = await l.withoutCbs([mix], () => l.validate());
  assert.equal(withMix, without);
});

test('MixUp blends float targets instead of the loss', async () => {
  const mix = new callbacks.MixUp(1);
  const Yf = torch.rand([16, 3]);
  let checked = 0;
  const probe = new Callback({
    beforeBatch: (l) => {
      if (!l.training) return;
      const y = Yf.narrow(0, l.iter * 8, 8);
      assert.ok(l.yb[0]!.allclose(y.indexSelect(0, mix.shuffle!).lerp(y, mix.lam!.reshape([8, 1])), 1e-6, 1e-7));
      checked++;
    },
  });
  probe.order = 50;
  const l = learner(X, Yf, [mix, probe], new nn.MSELoss());
  await l.noBar(() => l.fit(1));
  assert.equal(checked, 2);
});

test('CutMix pastes one box of the shuffled images and weighs the loss by the area left', async () => {
  const mix = new callbacks.CutMix(1);
  let checked = 0;
  const probe = new Callback({
    afterLoss: (l) => {
      if (!l.training) return;
      const x = X.narrow(0, l.iter * 8, 8);
      const y = Y.narrow(0, l.iter * 8, 8);
      const fromOther = l.xb[0]!.ne(x); // where the pixels changed (random normals: never equal by chance)
      const mask = fromOther.any(0).any(0); // [H, W]
      const area = mask.sum().item();
      // the box is a rectangle: its rows x its columns
      const rows = mask.any(1).sum().item();
      const cols = mask.any(0).sum().item();
      assert.equal(area, rows * cols);
      assert.ok(l.xb[0]!.allclose(torch.where(mask, x.indexSelect(0, mix.shuffle!), x)));
      const lam = mix.lam!.item();
      assert.ok(Math.abs(lam - (1 - area / 30)) < 1e-6, `lam ${lam}, box ${area} of 30 pixels`);
      const ce = (t: Tensor) => torch.functional.crossEntropy(l.pred!, t);
      const want = lam * ce(y).item() + (1 - lam) * ce(y.indexSelect(0, mix.shuffle!)).item();
      assert.ok(Math.abs(l.loss!.item() - want) < 1e-5);
      checked++;
    },
  });
  probe.order = 50;
  const l = learner(X, Y, [mix, probe], new nn.CrossEntropyLoss());
  await l.noBar(() => l.fit(3));
  assert.equal(checked, 6);
  const flat = learner(torch.randn([16, 30]), Y, [new callbacks.CutMix()], new nn.CrossEntropyLoss());
  await assert.rejects(
    flat.noBar(() => flat.fit(1)),
    /CutMix: the input must be images \(N, C, H, W\), got shape \[8, 30\]/,
  );
});

test('MixUp restores the loss function when an epoch or the fit is cancelled during training', async () => {
  const lossFunc = new nn.CrossEntropyLoss();
  let epochs = 0;
  const cancel = new Callback({
    afterBatch: (l) => {
      if (l.training && l.iter === 0 && l.epoch === 0) throw new CancelEpochException();
    },
    afterEpoch: () => {
      epochs++;
    },
  });
  const l = learner(X, Y, [new callbacks.MixUp(), cancel], lossFunc);
  await l.noBar(() => l.fit(2));
  assert.equal(epochs, 2);
  assert.equal(l.lossFunc, lossFunc, 'restored after an epoch cancelled in training (no MixUp wrapper around a wrapper)');
  const stop = new Callback({
    afterBatch: (l2) => {
      if (l2.training && l2.iter === 0) throw new CancelFitException();
    },
  });
  const l2 = learner(X, Y, [new callbacks.MixUp(), stop], lossFunc);
  await l2.noBar(() => l2.fit(2));
  assert.equal(l2.lossFunc, lossFunc, 'restored after the fit was cancelled in training');
});
