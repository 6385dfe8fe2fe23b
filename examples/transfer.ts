// Transfer learning with your own pretrained weights: a small torchvision-shaped ResNet trained on Fashion-MNIST
// classes 0-4 is saved as a safetensors state dict (its own 5-class head included), then visionLearner({ pretrained })
// cuts its body, adds fastai's head and fine-tunes on classes 5-9 from a few images a class; the same architecture
// trained from scratch for the same epochs (and about the same time: the frozen epoch is the cheaper one) is the comparison.
// Run: node dist/examples/transfer.js [--per-class 10] [--epochs 4] [--seed 0]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { data, Learner, metrics, nn, torch, visionLearner, type Tensor } from '../src/index.js';

/** torchvision's BasicBlock with a 1x1 projection shortcut. */
export class Block extends nn.Module {
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly relu: nn.ReLU;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly downsample: nn.Sequential;
  constructor(ni: number, nf: number, stride: number) {
    super();
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(ni, nf, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(nf));
    this.relu = this.registerModule('relu', new nn.ReLU());
    this.conv2 = this.registerModule('conv2', new nn.Conv2d(nf, nf, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(nf));
    this.downsample = this.registerModule('downsample', new nn.Sequential(new nn.Conv2d(ni, nf, 1, { stride, bias: false }), new nn.BatchNorm2d(nf)));
  }
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const y = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
      return this.relu.call(y.add(this.downsample.call(x)));
    });
  }
}

/** Stem, two stages, avgpool, fc: visionLearner's default cut (-2) keeps everything before avgpool. */
export class TinyResNet extends nn.Module {
  readonly conv1 = this.registerModule('conv1', new nn.Conv2d(1, 16, 3, { padding: 1, bias: false }));
  readonly bn1 = this.registerModule('bn1', new nn.BatchNorm2d(16));
  readonly relu = this.registerModule('relu', new nn.ReLU());
  readonly layer1 = this.registerModule('layer1', new Block(16, 32, 2));
  readonly layer2 = this.registerModule('layer2', new Block(32, 64, 2));
  readonly avgpool = this.registerModule('avgpool', new nn.AdaptiveAvgPool2d(1));
  readonly fc = this.registerModule('fc', new nn.Linear(64, 5));
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const y = this.layer2.call(this.layer1.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
      return this.fc.call(this.avgpool.call(y).flatten(1));
    });
  }
}

/** The first `n` items of `classes` (at most `perClass` of each) after `from`, normalized, labels renumbered. */
export function subset(x: Tensor, y: Tensor, classes: number[], n: number, perClass = n, from = 0): [Tensor, Tensor] {
  const labels = (y.toArray() as unknown[]).map(Number);
  const counts = classes.map(() => 0);
  const idx: number[] = [];
  for (let i = from; i < labels.length && idx.length < n; i++) {
    const c = classes.indexOf(labels[i]!);
    if (c < 0 || counts[c]! >= perClass) continue;
    counts[c]!++;
    idx.push(i);
  }
  return torch.tidy(() => {
    const rows = torch.tensor(idx, { dtype: 'int64' });
    const renumber = torch.tensor(
      Array.from({ length: 10 }, (_, k) => Math.max(0, classes.indexOf(k))),
      { dtype: 'int64' },
    );
    // Fashion-MNIST's training mean and standard deviation
    return [x.indexSelect(0, rows).sub(0.286).div(0.353), renumber.indexSelect(0, y.indexSelect(0, rows))];
  });
}

/** Loaders over (x, y) pairs of 1x28x28 images, with an image preprocessing naming the five classes. */
export function loaders(t: [Tensor, Tensor], v: [Tensor, Tensor], batchSize: number, seed: number): data.DataLoaders {
  const dls = data.DataLoaders.fromTensors(t[0], t[1], v[0], v[1], { batchSize, seed });
  dls.preprocessing = {
    kind: 'image',
    divisor: 1,
    mean: [0],
    std: [1],
    statsShape: [1, 1, 1],
    itemShape: [1, 28, 28],
    vocab: ['0', '1', '2', '3', '4'],
  };
  return dls;
}

/** The validation accuracy (the first metric). */
export async function accuracy(learn: Learner): Promise<number> {
  return (await learn.validate())[1] as number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'per-class': { type: 'string', default: '10' }, epochs: { type: 'string', default: '4' }, seed: { type: 'string', default: '0' } },
  });
  const [perClass, epochs, seed] = [Number(values['per-class']), Number(values.epochs), Number(values.seed)];
  const raw = data.loadFashionMnist();
  const a = subset(raw.xTrain, raw.yTrain, [0, 1, 2, 3, 4], 3000);
  const av = subset(raw.xValid, raw.yValid, [0, 1, 2, 3, 4], 1000);
  const b = subset(raw.xTrain, raw.yTrain, [5, 6, 7, 8, 9], perClass * 5, perClass, seed * 2000);
  const bv = subset(raw.xValid, raw.yValid, [5, 6, 7, 8, 9], 1000);
  torch.dispose(raw);
  const dir = mkdtempSync(join(tmpdir(), 'flint-transfer-'));
  try {
    torch.manualSeed(seed);
    const pre = new TinyResNet();
    const la = new Learner(loaders(a, av, 64, seed), pre, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()] });
    await la.noLogging(() => la.noBar(() => la.fitOneCycle(3, 1e-2)));
    console.log(`pretrained on classes 0-4 (3000 images): accuracy ${(await accuracy(la)).toFixed(3)}`);
    const file = join(dir, 'tiny-resnet.safetensors');
    torch.save(pre.stateDict(), file);

    const runs: [string, string | false, (l: Learner) => Promise<void>][] = [
      [`fineTune(${epochs}), pretrained body`, file, (l) => l.fineTune(epochs, 1e-2)],
      [`fitOneCycle(${epochs + 1}), from scratch`, false, (l) => l.fitOneCycle(epochs + 1, 1e-2)],
      [`head only (${epochs + 1} epochs), pretrained body frozen`, file, (l) => l.fitOneCycle(epochs + 1, 1e-2)],
      [
        `head only (${epochs + 1} epochs), random body frozen`,
        false,
        (l) => {
          l.freeze();
          return l.fitOneCycle(epochs + 1, 1e-2);
        },
      ],
    ];
    for (const [name, pretrained, fit] of runs) {
      torch.manualSeed(seed + 1);
      const learn = visionLearner(loaders(b, bv, 10, seed), () => new TinyResNet(), { pretrained, nIn: 1, metrics: [metrics.accuracy()] });
      const t0 = performance.now();
      await learn.noLogging(() => learn.noBar(() => fit(learn)));
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`classes 5-9 from ${perClass} images a class, ${name}: accuracy ${(await accuracy(learn)).toFixed(3)} (${s} s)`);
    }
  } finally {
    torch.dispose([...a, ...av, ...b, ...bv]);
    rmSync(dir, { recursive: true, force: true });
  }
}

// run as a program (test/transfer.test.ts imports the parts above)
if (import.meta.url === `file://${process.argv[1]}`) await main();
