// The main job (`npm run demo`, `npx flint demo`): a small CNN trained on Fashion-MNIST with the Learner and
// fastai's one-cycle schedule, accuracy as the metric, fastai's table as it trains; the loss, schedule and (with
// lrFind) LR-finder charts and the weights go to a run folder.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FitInterrupted, Learner, data, metrics, nn, torch, type Tensor } from '../src/index.js';

/** Three stride-2 conv + ReLU + BatchNorm blocks (32, 64, 128 channels), average pooling, a linear head. */
export function makeCnn(): nn.Sequential {
  const block = (cin: number, cout: number) => [new nn.Conv2d(cin, cout, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.BatchNorm2d(cout)];
  return new nn.Sequential(...block(1, 32), ...block(32, 64), ...block(64, 128), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(128, 10));
}

export interface DemoOptions {
  epochs?: number;
  batchSize?: number;
  /** The one-cycle maximum lr (default 1e-2, or the LR finder's valley with lrFind). */
  lr?: number;
  /** Run the LR finder first (its chart goes to the run folder); its suggestion is the lr unless lr is given. */
  lrFind?: boolean;
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
  const batchSize = o.batchSize ?? 128;
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
  const learn = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()], path: runDir });
  const epochs = o.epochs ?? 5;
  let lr = o.lr ?? 1e-2;
  if (o.lrFind) {
    const { valley } = await learn.lrFind();
    log(`LR finder: valley at ${valley!.toExponential(2)}; chart: ${join(runDir, 'lr_find')}.svg / .png`);
    if (o.lr === undefined) lr = valley!;
  }
  log(`Flint demo: CNN (${model.parameters().reduce((n, p) => n + p.numel(), 0).toLocaleString('en-US')} parameters) on ` +
    `Fashion-MNIST (${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation images), ` +
    `fitOneCycle(${epochs}, ${lr}) with Adam, ${device}, libtorch ${torch.libtorchVersion}`);
  await learn.fitOneCycle(epochs, lr);
  const rec = learn.recorder!;
  rec.plotLoss({ file: join(runDir, 'loss') });
  rec.plotSched({ file: join(runDir, 'schedule') });
  const weights = learn.save('model');
  log(`charts: ${join(runDir, 'loss')}.svg / .png, ${join(runDir, 'schedule')}.svg / .png; weights: ${weights}`);
  const losses = rec.values.map((v) => v[1]!);
  const accuracies = rec.values.map((v) => v[2]!);
  for (const dl of [dls.train, dls.valid]) torch.dispose((dl.dataset as data.TensorDataset).tensors);
  return { losses, accuracies, runDir, learn };
}

export const demoUsage = `usage: flint demo [options]   (or: npm run demo -- [options])
  train a CNN on Fashion-MNIST with one-cycle, printing loss and accuracy; charts and weights go to a run folder
  --epochs N     epochs (default 5)
  --lr LR        the one-cycle maximum learning rate (default 1e-2, or the LR finder's valley with --lr-find)
  --lr-find      run the LR finder first and write its chart
  --batch-size N batch size (default 128)
  --device D     cpu or cuda (default cuda when available)
  --out DIR      the run folder (default runs/<date-time>)
  -h, --help     this text`;

/** Parses the demo's command line; a bad value is an error naming the option. Null means help was asked for. */
export function parseDemoArgs(args: string[]): DemoOptions | null {
  const { values } = parseArgs({ args, allowPositionals: false, options: {
    epochs: { type: 'string' }, lr: { type: 'string' }, 'lr-find': { type: 'boolean' }, 'batch-size': { type: 'string' },
    device: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } });
  if (values.help) return null;
  const posInt = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${v}'`);
    return n;
  };
  let lr: number | undefined;
  if (values.lr !== undefined) {
    lr = Number(values.lr);
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`--lr must be a positive number, got '${values.lr}'`);
  }
  if (values.device !== undefined && !/^(cpu|cuda(:\d+)?)$/.test(values.device)) throw new Error(`--device must be cpu or cuda, got '${values.device}'`);
  return { epochs: posInt('epochs', values.epochs), lr, lrFind: values['lr-find'] ?? false, batchSize: posInt('batch-size', values['batch-size']),
    device: values.device, runDir: values.out };
}

/** The command line: parse, run, and exit 1 with the message and usage on a bad option. */
export async function demoMain(args: string[]): Promise<void> {
  let o: DemoOptions | null;
  try {
    o = parseDemoArgs(args);
  } catch (e) {
    console.error(`flint demo: ${(e as Error).message}\n${demoUsage}`);
    process.exit(1);
  }
  if (o === null) { console.log(demoUsage); return; }
  try {
    await demo(o);
  } catch (e) {
    if (!(e instanceof FitInterrupted)) throw e;
    console.error(`flint demo: ${e.message}`);
    process.exit(130);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  demoMain(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
}
