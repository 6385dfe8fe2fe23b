// The main job (`npm run demo`, `npx flint demo`): a small CNN trained on Fashion-MNIST with the Learner,
// accuracy as the metric, fastai's table as it trains; the loss plot and the weights go to a run folder.
import { join } from 'node:path';
import { Learner, data, metrics, nn, torch, type Tensor } from '../src/index.js';

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
  /** Where the loss plot and the weights go (default runs/<date-time>). */
  runDir?: string;
  log?: (line: string) => void;
}

export async function demo(o: DemoOptions = {}): Promise<{ losses: number[]; accuracies: number[]; runDir: string; learn: Learner }> {
  const log = o.log ?? console.log;
  const device = o.device ?? (torch.cuda.isAvailable() ? 'cuda' : 'cpu');
  const runDir = o.runDir ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-'));
  const batchSize = o.batchSize ?? 64;
  torch.manualSeed(42);
  let dls = data.fashionMnist({ batchSize, device });
  if (o.limit !== undefined) {
    const ds = dls.train.dataset as data.TensorDataset;
    const [x, y] = ds.tensors.map((t) => t.narrow(0, 0, Math.min(o.limit!, t.shape[0]!)).keep()) as [Tensor, Tensor];
    torch.dispose(ds.tensors);  // the narrowed views keep what they need
    const valid = dls.valid.dataset as data.TensorDataset;
    dls = data.DataLoaders.fromTensors(x, y, valid.tensors[0]!, valid.tensors[1]!, { batchSize, device });
  }
  const model = makeCnn();
  const learn = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()], lr: o.lr ?? 5e-3, path: runDir });
  log(`Flint demo: CNN (${model.parameters().reduce((n, p) => n + p.numel(), 0).toLocaleString('en-US')} parameters) on ` +
    `Fashion-MNIST (${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation images), Adam lr=${learn.lr}, ` +
    `${device}, libtorch ${torch.libtorchVersion}`);
  await learn.fit(o.epochs ?? 2);
  const rec = learn.recorder!;
  const plots = join(runDir, 'loss');
  rec.plotLoss({ file: plots });
  const weights = learn.save('model');
  log(`loss plot: ${plots}.svg / .png; weights: ${weights}`);
  const losses = rec.values.map((v) => v[1]!);
  const accuracies = rec.values.map((v) => v[2]!);
  for (const dl of [dls.train, dls.valid]) torch.dispose((dl.dataset as data.TensorDataset).tensors);
  return { losses, accuracies, runDir, learn };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  demo().catch((e) => { console.error(e); process.exit(1); });
}
