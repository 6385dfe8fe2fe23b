// How long a full epoch of Fashion-MNIST batches takes to produce (60,000 images, batch 256, shuffled),
// against the time the demo's CNN needs to train on the same epoch; both measured here, in one process.
import { data, nn, optim, torch, type Tensor } from '../src/index.js';
import { makeCnn } from '../examples/demo.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function measureDataEpoch(): { dataMs: number; trainMs: number; batches: number } {
  const dls = data.fashionMnist({ batchSize: 256 });
  const epochs: number[] = [];
  for (let e = 0; e < 3; e++) {
    const t0 = performance.now();
    let n = 0;
    for (const [xb] of dls.train as Iterable<[Tensor, Tensor]>) n += xb.shape[0]!;
    epochs.push(performance.now() - t0);
    if (n !== 59904) throw new Error(`epoch produced ${n} images`);
  }
  // training time per batch of 256 (forward, loss, backward, Adam step), over 30 batches after 5 of warm-up
  torch.manualSeed(0);
  const model = makeCnn();
  const lossFunc = new nn.CrossEntropyLoss();
  const opt = optim.Adam(model.parameters(), { lr: 5e-3 });
  const steps: number[] = [];
  let k = 0;
  for (const [xb, yb] of dls.train as Iterable<[Tensor, Tensor]>) {
    const t0 = performance.now();
    torch.tidy(() => {
      lossFunc.call(model.call(xb), yb).backward();
      opt.step();
      opt.zeroGrad();
    });
    if (k >= 5) steps.push(performance.now() - t0);
    if (++k === 35) break;
  }
  model.dispose();
  for (const dl of [dls.train, dls.valid]) torch.dispose((dl.dataset as data.TensorDataset).tensors);
  return { dataMs: median(epochs), trainMs: median(steps) * dls.train.length, batches: dls.train.length };
}
