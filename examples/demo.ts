// The main job (`npm run demo`, `npx flint demo`): a small CNN trained on Fashion-MNIST with Adam, in a plain
// loop over Flint's nn, optim and data parts, printing loss and accuracy per epoch.
import { data, nn, optim, torch, type Tensor } from '../src/index.js';

/** Three stride-2 conv + ReLU + BatchNorm blocks (16, 32, 64 channels), average pooling, a linear head. */
export function makeCnn(): nn.Sequential {
  const block = (cin: number, cout: number) => [new nn.Conv2d(cin, cout, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.BatchNorm2d(cout)];
  return new nn.Sequential(...block(1, 16), ...block(16, 32), ...block(32, 64), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(64, 10));
}

export interface DemoOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Train on the first n training images only (for quick checks). */
  limit?: number;
  device?: string;
  log?: (line: string) => void;
}

export async function demo(o: DemoOptions = {}): Promise<{ losses: number[]; accuracies: number[] }> {
  const log = o.log ?? console.log;
  const epochs = o.epochs ?? 2;
  const device = o.device ?? (torch.cuda.isAvailable() ? 'cuda' : 'cpu');
  torch.manualSeed(42);
  let dls = data.fashionMnist({ batchSize: o.batchSize ?? 64, device });
  if (o.limit !== undefined) {
    const ds = dls.train.dataset as data.TensorDataset;
    const [x, y] = ds.tensors.map((t) => t.narrow(0, 0, Math.min(o.limit!, t.shape[0]!)).keep()) as [Tensor, Tensor];
    torch.dispose(ds.tensors);  // the narrowed views keep what they need
    const valid = dls.valid.dataset as data.TensorDataset;
    dls = data.DataLoaders.fromTensors(x, y, valid.tensors[0]!, valid.tensors[1]!, { batchSize: o.batchSize ?? 64, device });
  }
  const model = makeCnn().to(device);
  const lossFunc = new nn.CrossEntropyLoss();
  const opt = optim.Adam(model.parameters(), { lr: o.lr ?? 5e-3 });
  log(`Flint demo: CNN on Fashion-MNIST (${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation images), ` +
    `Adam lr=${opt.hypers[0]!.lr}, ${device}, libtorch ${torch.libtorchVersion}`);
  log(model.parameters().reduce((n, p) => n + p.numel(), 0).toLocaleString('en-US') + ' parameters');
  log('epoch  train_loss  valid_loss  accuracy  time');
  const losses: number[] = [];
  const accuracies: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    model.train();
    // sums stay on the device and are read once per epoch
    const trainSum = torch.zeros([], { device }).keep();
    let trainCount = 0;
    for (const [xb, yb] of dls.train as Iterable<[Tensor, Tensor]>) {
      torch.tidy(() => {
        const loss = lossFunc.call(model.call(xb), yb);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        torch.noGrad(() => trainSum.add_(loss.detach().mul(xb.shape[0]!)));
      });
      trainCount += xb.shape[0]!;
      await new Promise((r) => setImmediate(r));  // stay responsive (Ctrl-C, timers)
    }
    model.eval();
    const validSum = torch.zeros([], { device }).keep();
    const correct = torch.zeros([], { device, dtype: 'int64' }).keep();
    torch.noGrad(() => {
      for (const [xb, yb] of dls.valid as Iterable<[Tensor, Tensor]>) {
        torch.tidy(() => {
          const out = model.call(xb);
          validSum.add_(lossFunc.call(out, yb).mul(xb.shape[0]!));
          correct.add_(out.argmax(1).eq(yb).sum());
        });
      }
    });
    const n = dls.valid.dataset.length;
    const [trainLoss, validLoss, accuracy] = [trainSum.item() / trainCount, validSum.item() / n, correct.item() / n];
    torch.dispose([trainSum, validSum, correct]);
    losses.push(validLoss);
    accuracies.push(accuracy);
    const secs = (performance.now() - start) / 1000;
    log(`${String(epoch).padEnd(5)}  ${trainLoss.toFixed(6).padEnd(10)}  ${validLoss.toFixed(6).padEnd(10)}  ${accuracy.toFixed(4).padEnd(8)}  ` +
      `${Math.floor(secs / 60).toString().padStart(2, '0')}:${Math.round(secs % 60).toString().padStart(2, '0')}`);
  }
  model.dispose();
  for (const dl of [dls.train, dls.valid]) torch.dispose((dl.dataset as data.TensorDataset).tensors);
  return { losses, accuracies };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  demo().catch((e) => { console.error(e); process.exit(1); });
}
