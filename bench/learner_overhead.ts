// Learner.fit (default callbacks and an accuracy metric) against a hand-written loop over the same model, data
// and optimizer, one epoch each (training and validation), alternating; the difference per batch is the
// framework's overhead.
import { type Callback, Learner, callbacks, data, metrics, nn, optim, torch, type Tensor } from '../src/index.js';
import { makeCnn } from '../examples/demo.js';

async function handLoop(dls: data.DataLoaders, model: nn.Module, opt: optim.Optimizer, lossFunc: nn.Module): Promise<number> {
  model.train();
  for (const [xb, yb] of dls.train as Iterable<[Tensor, Tensor]>) {
    torch.tidy(() => {
      lossFunc.call(model.call(xb), yb).backward();
      opt.step();
      opt.zeroGrad();
    });
  }
  model.eval();
  const correct = torch.zeros([], { dtype: 'int64' }).keep();
  const lossSum = torch.zeros([]).keep();
  torch.noGrad(() => {
    for (const [xb, yb] of dls.valid as Iterable<[Tensor, Tensor]>) {
      torch.tidy(() => {
        const out = model.call(xb);
        lossSum.add_(lossFunc.call(out, yb).mul(xb.shape[0]!));
        correct.add_(out.argmax(1).eq(yb).sum());
      });
    }
  });
  const acc = correct.item();
  torch.dispose([correct, lossSum]);
  return acc;
}

/** Seconds per epoch for the Learner and the hand loop: the fastest of `repeats` alternating runs each (this
 * machine's noise is larger than the difference measured, and only ever adds time). */
export async function measureLearner(
  make: () => nn.Module,
  dls: data.DataLoaders,
  repeats: number,
  cbs: () => Callback[] = () => [],
): Promise<{ learnerS: number; handS: number; batches: number }> {
  torch.manualSeed(0);
  const m1 = make();
  const learn = new Learner(dls, m1, { lossFunc: new nn.CrossEntropyLoss(), metrics: [metrics.accuracy()], lr: 1e-3, cbs: cbs() });
  // the table goes nowhere (not a terminal), as in a CI log
  learn.removeCb(callbacks.ProgressCallback);
  learn.addCb(new callbacks.ProgressCallback({ write: () => true, isTTY: false }));
  torch.manualSeed(0);
  const m2 = make();
  const opt = optim.Adam(m2.parameters(), { lr: 1e-3 });
  const lossFunc = new nn.CrossEntropyLoss();
  const tl: number[] = [];
  const th: number[] = [];
  await learn.fit(1); // warm-up (and the optimizer state)
  await handLoop(dls, m2, opt, lossFunc);
  const timeLearner = async () => {
    const t0 = performance.now();
    await learn.fit(1);
    tl.push((performance.now() - t0) / 1000);
  };
  const timeHand = async () => {
    const t0 = performance.now();
    await handLoop(dls, m2, opt, lossFunc);
    th.push((performance.now() - t0) / 1000);
  };
  for (let r = 0; r < repeats; r++) {
    // alternate who goes first, so neither always runs on a machine the other just warmed or disturbed
    if (r % 2 === 0) {
      await timeLearner();
      await timeHand();
    } else {
      await timeHand();
      await timeLearner();
    }
  }
  m1.dispose();
  m2.dispose();
  return { learnerS: Math.min(...tl), handS: Math.min(...th), batches: dls.train.length + dls.valid.length };
}

type Measure = Awaited<ReturnType<typeof measureLearner>>;
/** The measurements of BENCHMARKS.md: a tiny linear model (overhead per batch), the demo CNN, and the CNN with
 * ActivationStats hooking its layers (fastai's default, then with histograms). */
export async function learnerBench(): Promise<{ tiny: Measure; cnn: Measure; cnnStats: Measure; cnnHist: Measure }> {
  const raw = data.loadFashionMnist();
  const take = (t: Tensor, n: number) => t.narrow(0, 0, n).keep();
  const flat = data.DataLoaders.fromTensors(
    take(raw.xTrain.flatten(1), 12800),
    take(raw.yTrain, 12800),
    take(raw.xValid.flatten(1), 2560),
    take(raw.yValid, 2560),
    { batchSize: 64, seed: 0 },
  );
  const tiny = await measureLearner(() => new nn.Linear(784, 10), flat, 40);
  const images = data.DataLoaders.fromTensors(take(raw.xTrain, 12800), take(raw.yTrain, 12800), take(raw.xValid, 2560), take(raw.yValid, 2560), {
    batchSize: 64,
    seed: 0,
  });
  const cnn = await measureLearner(makeCnn, images, 8);
  const cnnStats = await measureLearner(makeCnn, images, 8, () => [new callbacks.ActivationStats()]);
  const cnnHist = await measureLearner(makeCnn, images, 4, () => [new callbacks.ActivationStats({ withHist: true })]);
  torch.dispose([
    raw,
    (flat.train.dataset as data.TensorDataset).tensors,
    (flat.valid.dataset as data.TensorDataset).tensors,
    (images.train.dataset as data.TensorDataset).tensors,
    (images.valid.dataset as data.TensorDataset).tensors,
  ]);
  return { tiny, cnn, cnnStats, cnnHist };
}
