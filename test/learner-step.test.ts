// The training step's named parts (miniai's flexible learner): overridden by a Learner subclass or supplied by a
// callback, each checked against the same training written as a hand loop; several inputs and targets (nInp);
// batches without targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback, FlintError, Learner, data, nn, optim, torch, type Tensor } from '../src/index.js';

const sgd = (params: optim.ParamsInput, o: { lr: number }) => optim.SGD(params, { lr: o.lr });

/** Clean inputs only (no targets): 16 items of 4 features, 4 per batch, in order. */
function cleanLoaders(): data.DataLoaders {
  torch.manualSeed(0);
  const x = torch.randn([16, 4]);
  const train = new data.DataLoader(new data.TensorDataset(x), { batchSize: 4 });
  const valid = new data.DataLoader(new data.TensorDataset(x.slice(0, 0, 8)), { batchSize: 4 });
  return new data.DataLoaders(train, valid);
}
/** Deterministic corruption, so every version sees the same noisy inputs. */
const corrupt = (x: Tensor): Tensor => x.add(x.mul(7).sin().mul(0.3));
const mse = (a: Tensor, b: Tensor): Tensor => a.sub(b).pow(2).mean();
function autoencoder(): nn.Module {
  torch.manualSeed(1);
  return new nn.Sequential(new nn.Linear(4, 2), new nn.ReLU(), new nn.Linear(2, 4));
}

/** The denoising autoencoder as a hand loop: the reference for both Learner versions. */
function handDenoise(epochs: number, lr: number): Record<string, Tensor> {
  const dls = cleanLoaders();
  const model = autoencoder();
  const opt = sgd(model.parameters(), { lr });
  model.train();
  for (let e = 0; e < epochs; e++) {
    for (const b of dls.train) {
      torch.tidy(() => {
        const clean = (b as Tensor[])[0]!;
        mse(model.call(corrupt(clean)) as Tensor, clean).backward();
        opt.step();
        opt.zeroGrad();
      });
    }
  }
  return model.stateDict();
}

function assertSameWeights(a: Record<string, Tensor>, b: Record<string, Tensor>): void {
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const k of Object.keys(a)) assert.ok(a[k]!.allclose(b[k]!, 1e-6, 1e-6), `${k} differs`);
}

test('a denoising autoencoder trains on batches without targets, its loss supplied by a callback (no lossFunc)', async () => {
  class Denoise extends Callback {
    clean: Tensor | null = null;
    override beforeBatch(): void {
      this.clean = this.xb[0]!;
      this.learn.xb = [corrupt(this.clean)];
    }
    override getLoss(): void {
      this.learn.lossGrad = mse(this.pred!, this.clean!);
    }
  }
  const learn = new Learner(cleanLoaders(), autoencoder(), { optFunc: sgd, lr: 0.1, cbs: [new Denoise()] });
  await learn.withoutLogging(() => learn.fit(2));
  assertSameWeights(learn.model.stateDict(), handDenoise(2, 0.1));
  // the loss was logged, for training and validation alike
  const [trainLoss, validLoss] = learn.recorder!.values.at(-1)!;
  assert.ok(typeof trainLoss === 'number' && typeof validLoss === 'number' && validLoss > 0);
});

test('the same autoencoder as a Learner subclass overriding doPredict and doGetLoss', async () => {
  class DenoisingLearner extends Learner {
    override doPredict(): void {
      this.pred = this.model.call(corrupt(this.xb[0]!)) as Tensor;
    }
    override doGetLoss(): void {
      this.lossGrad = mse(this.pred!, this.xb[0]!);
    }
  }
  const learn = new DenoisingLearner(cleanLoaders(), autoencoder(), { optFunc: sgd, lr: 0.1 });
  await learn.withoutLogging(() => learn.fit(2));
  assertSameWeights(learn.model.stateDict(), handDenoise(2, 0.1));
});

// ---- a GAN-like alternation: two optimizers, the critic and the generator stepping on alternate batches ----
class Pair extends nn.Module {
  readonly gen = this.registerModule('gen', new nn.Linear(4, 4));
  readonly critic = this.registerModule('critic', new nn.Linear(4, 1));
  forward(z: Tensor): Tensor {
    return this.gen.call(z) as Tensor;
  }
}
function pair(): Pair {
  torch.manualSeed(2);
  return new Pair();
}
/** z for a batch of real samples: deterministic, so every version sees the same. */
const noiseFor = (x: Tensor): Tensor => x.flip([1]).mul(0.5);
/** The alternation's loss on a batch: the critic's on even batches, the generator's on odd ones. */
function ganLoss(m: Pair, real: Tensor, fake: Tensor, criticTurn: boolean): Tensor {
  const c = (t: Tensor): Tensor => m.critic.call(t) as Tensor;
  return criticTurn ? c(fake.detach()).mean().sub(c(real).mean()) : c(fake).mean().neg();
}
function handGan(epochs: number): Record<string, Tensor> {
  const dls = cleanLoaders();
  const m = pair();
  const optG = optim.SGD(m.gen.parameters(), { lr: 0.05 });
  const optC = optim.SGD(m.critic.parameters(), { lr: 0.05 });
  for (let e = 0; e < epochs; e++) {
    let i = 0;
    for (const b of dls.train) {
      torch.tidy(() => {
        const real = (b as Tensor[])[0]!;
        const criticTurn = i % 2 === 0;
        ganLoss(m, real, m.call(noiseFor(real)) as Tensor, criticTurn).backward();
        (criticTurn ? optC : optG).step();
        optG.zeroGrad();
        optC.zeroGrad();
      });
      i++;
    }
  }
  return m.stateDict();
}

test('a two-optimizer alternation (GAN-like) as a Learner subclass, equal to the hand loop', async () => {
  class GanLearner extends Learner {
    readonly m = this.model as Pair;
    readonly optG = optim.SGD(this.m.gen.parameters(), { lr: 0.05 });
    readonly optC = optim.SGD(this.m.critic.parameters(), { lr: 0.05 });
    override doPredict(): void {
      this.pred = this.m.call(noiseFor(this.xb[0]!)) as Tensor;
    }
    override doGetLoss(): void {
      this.lossGrad = ganLoss(this.m, this.xb[0]!, this.pred!, this.iter % 2 === 0);
    }
    override doStep(): void {
      (this.iter % 2 === 0 ? this.optC : this.optG).step();
    }
    override doZeroGrad(): void {
      this.optG.zeroGrad();
      this.optC.zeroGrad();
    }
  }
  const learn = new GanLearner(cleanLoaders(), pair());
  await learn.withoutLogging(() => learn.fit(2));
  assertSameWeights(learn.model.stateDict(), handGan(2));
});

test("the same alternation supplied by a callback, with fastai's events still firing around the parts", async () => {
  const events: string[] = [];
  class GanTrainer extends Callback {
    optG: optim.Optimizer | null = null;
    optC: optim.Optimizer | null = null;
    private get m(): Pair {
      return this.model as Pair;
    }
    override beforeFit(): void {
      this.optG ??= optim.SGD(this.m.gen.parameters(), { lr: 0.05 });
      this.optC ??= optim.SGD(this.m.critic.parameters(), { lr: 0.05 });
    }
    override predict(): void {
      this.learn.pred = this.m.call(noiseFor(this.xb[0]!)) as Tensor;
    }
    override getLoss(): void {
      this.learn.lossGrad = ganLoss(this.m, this.xb[0]!, this.pred!, this.iter % 2 === 0);
    }
    override step(): void {
      (this.iter % 2 === 0 ? this.optC : this.optG)!.step();
    }
    override zeroGrad(): void {
      this.optG!.zeroGrad();
      this.optC!.zeroGrad();
    }
  }
  const spy = new Callback({
    beforeStep: (l) => {
      if (l.epoch === 0 && l.iter === 0) events.push('beforeStep');
    },
    afterStep: (l) => {
      if (l.epoch === 0 && l.iter === 0) events.push('afterStep');
    },
    afterBackward: (l) => {
      if (l.epoch === 0 && l.iter === 0) events.push('afterBackward');
    },
  });
  const learn = new Learner(cleanLoaders(), pair(), { cbs: [new GanTrainer(), spy] });
  await learn.withoutLogging(() => learn.fit(2));
  assertSameWeights(learn.model.stateDict(), handGan(2));
  assert.deepEqual(events, ['afterBackward', 'beforeStep', 'afterStep']);
});

class TwoInputs extends nn.Module {
  readonly a = this.registerModule('a', new nn.Linear(3, 2));
  readonly b = this.registerModule('b', new nn.Linear(5, 2));
  forward(x1: Tensor, x2: Tensor): Tensor {
    return (this.a.call(x1) as Tensor).add(this.b.call(x2) as Tensor);
  }
}

test('dls.nInp = 2: the model gets two inputs, the loss the target; equal to the hand loop', async () => {
  torch.manualSeed(3);
  const [x1, x2, y] = [torch.randn([12, 3]), torch.randn([12, 5]), torch.randint(0, 2, [12])];
  const loaders = (): data.DataLoaders => {
    const dls = new data.DataLoaders(
      new data.DataLoader(new data.TensorDataset(x1, x2, y), { batchSize: 4 }),
      new data.DataLoader(new data.TensorDataset(x1, x2, y), { batchSize: 6 }),
    );
    dls.nInp = 2;
    return dls;
  };
  const model = (): TwoInputs => {
    torch.manualSeed(4);
    return new TwoInputs();
  };
  const seen: number[][] = [];
  const learn = new Learner(loaders(), model(), {
    lossFunc: new nn.CrossEntropyLoss(),
    optFunc: sgd,
    lr: 0.1,
    cbs: [
      new Callback({
        afterPred: (l) => {
          seen.push([l.xb.length, l.yb.length]);
        },
      }),
    ],
  });
  await learn.withoutLogging(() => learn.fit(1));
  assert.deepEqual(seen[0], [2, 1]);
  const m = model();
  const opt = sgd(m.parameters(), { lr: 0.1 });
  for (const b of loaders().train) {
    torch.tidy(() => {
      const [a, c, t] = b as Tensor[];
      nn.functional.crossEntropy(m.call(a!, c!) as Tensor, t!).backward();
      opt.step();
      opt.zeroGrad();
    });
  }
  assertSameWeights(learn.model.stateDict(), m.stateDict());
  const { preds, targs, targets } = await learn.getPreds();
  assert.deepEqual([preds.shape, targets.length, targs === targets[0]], [[12, 2], 1, true]);
  assert.ok(targs!.equal(y));
  torch.dispose([preds, targets]);
  assert.throws(() => {
    learn.dls.nInp = 0;
  }, /DataLoaders.nInp: expected an integer >= 1 for nInp, got 0/);
});

test('several targets: the loss gets them all, and getPreds returns every one, in dataset order', async () => {
  torch.manualSeed(5);
  const [x, y1, y2] = [torch.randn([10, 3]), torch.randint(0, 2, [10]), torch.randn([10])];
  const dl = new data.DataLoader(new data.TensorDataset(x, y1, y2), { batchSize: 4, shuffle: true, seed: 3 });
  const dls = new data.DataLoaders(dl, dl);
  class TwoHeads extends nn.Module {
    readonly l = this.registerModule('l', new nn.Linear(3, 3));
    forward(t: Tensor): Tensor {
      return this.l.call(t) as Tensor;
    }
  }
  let args = 0;
  const lossFunc = (pred: Tensor, a: Tensor, b: Tensor): Tensor => {
    args = 1 + [a, b].filter((t) => t !== undefined).length;
    return nn.functional.crossEntropy(pred.slice(1, 0, 2), a).add(mse(pred.select(1, 2), b));
  };
  const learn = new Learner(dls, new TwoHeads(), { lossFunc: lossFunc as never });
  await learn.withoutLogging(() => learn.fit(1));
  assert.equal(args, 3);
  const { targets, preds, losses } = await learn.getPreds({ dl, withLoss: false });
  assert.equal(targets.length, 2);
  assert.ok(targets[0]!.equal(y1) && targets[1]!.equal(y2), 'targets in dataset order');
  assert.equal(losses, undefined);
  torch.dispose([targets, preds]);
});

test('a training batch without targets and with nothing supplying the loss is an error naming nInp', async () => {
  const learn = new Learner(cleanLoaders(), autoencoder(), { lossFunc: mse as never });
  await assert.rejects(
    learn.withoutLogging(() => learn.fit(1)),
    (e: Error) =>
      e instanceof FlintError &&
      /Learner.fit: a training batch has no loss to train on: the batch has no targets \(it has 1 part, all inputs by dls.nInp = 1\)/.test(e.message),
  );
  // validation of such batches is fine: nothing to score
  const r = await learn.validate();
  assert.equal(r[0], undefined);
});

test('the parts refuse to run outside the loop with a clear message', () => {
  const learn = new Learner(cleanLoaders(), autoencoder(), { lossFunc: mse as never });
  assert.throws(() => learn.doPredict(), /Learner.doPredict: there is no batch/);
  learn.doGetLoss(); // no targets: nothing to compute
  assert.equal(learn.lossGrad, null);
  learn.yb = [torch.zeros([2])];
  assert.throws(() => learn.doGetLoss(), /Learner.doGetLoss: there is no prediction/);
  torch.dispose(learn.yb);
  learn.yb = [];
  assert.throws(() => learn.doBackward(), /Learner.doBackward: there is no loss to differentiate/);
  assert.throws(() => learn.doStep(), /Learner.doStep: there is no optimizer yet/);
  assert.throws(() => learn.doZeroGrad(), /Learner.doZeroGrad: there is no optimizer yet/);
});
