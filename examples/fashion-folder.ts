// Training from a folder of image files, as with your own photos: Fashion-MNIST written out as PNGs in the ImageNet
// layout (train/<class>/*.png from the training set, valid/<class>/*.png from the test set), then
// ImageDataLoaders.fromFolder + visionLearner (fastai's xresnet18, from scratch) trained with one-cycle.
// Run: node dist/examples/fashion-folder.js [--per-class 300] [--epochs 2] [--dir /tmp/fashion-folder]
// The same folder trains from the command line: flint train --images DIR --arch xresnet18 --size 28
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { data, metrics, plot, torch, vision } from '../src/index.js';

/** Folder names for the classes ('T-shirt/top' has a slash). */
export const CLASS_DIRS = data.FASHION_MNIST_CLASSES.map((c) => c.replace(/[^A-Za-z0-9-]+/g, '_'));

/** Writes `perClass` training and perClass / 5 validation PNGs of each class below `dir` (emptied first). */
export function writeFashionFolder(dir: string, perClass: number): { train: number; valid: number } {
  rmSync(dir, { recursive: true, force: true });
  const raw = data.loadFashionMnist();
  const counts = { train: 0, valid: 0 };
  try {
    for (const [split, x, y, n] of [
      ['train', raw.xTrain, raw.yTrain, perClass],
      ['valid', raw.xValid, raw.yValid, Math.max(1, Math.round(perClass / 5))],
    ] as const) {
      // back to the bytes of the IDX file (loadFashionMnist gives them / 255)
      const bytes = torch.tidy(() => x.mul(255).round().to({ dtype: 'uint8' }).toTypedArray() as Uint8Array);
      const labels = torch.tidy(() => Array.from(y.toTypedArray() as BigInt64Array, Number));
      const written = CLASS_DIRS.map(() => 0);
      for (const d of CLASS_DIRS) mkdirSync(join(dir, split, d), { recursive: true });
      labels.forEach((c, i) => {
        if (written[c]! >= n) return;
        const png = plot.encodePng(bytes.subarray(i * 784, (i + 1) * 784), 28, 28, 1);
        writeFileSync(join(dir, split, CLASS_DIRS[c]!, `${i}.png`), png);
        written[c]!++;
        counts[split]++;
      });
    }
  } finally {
    torch.dispose(raw);
  }
  return counts;
}

export async function fashionFolder(o: { dir: string; perClass: number; epochs: number; log?: (line: string) => void }): Promise<number> {
  const log = o.log ?? console.log;
  let t = performance.now();
  const counts = writeFashionFolder(o.dir, o.perClass);
  log(`wrote ${counts.train} training and ${counts.valid} validation PNGs below ${o.dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  torch.manualSeed(42);
  // the images are 28x28 already: Resize records the size in the export's preprocessing. No augmentation: a
  // couple of epochs are too few for it to pay.
  const dls = vision.ImageDataLoaders.fromFolder(o.dir, { itemTfms: vision.Resize(28), batchSize: 64 });
  const learn = vision.visionLearner(dls, 'xresnet18', { metrics: [metrics.accuracy()], archArgs: { cIn: 3 } });
  t = performance.now();
  await learn.fitOneCycle(o.epochs, 1e-2);
  const accuracy = learn.recorder!.values.at(-1)![2]!;
  log(
    `xresnet18 from a folder of PNGs: accuracy ${(accuracy * 100).toFixed(1)}% after ${o.epochs} epoch(s), ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  learn.model.dispose();
  return accuracy;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'per-class': { type: 'string', default: '300' },
      epochs: { type: 'string', default: '2' },
      dir: { type: 'string', default: '/tmp/fashion-folder' },
    },
  });
  const int = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new torch.FlintError(`fashion-folder: --${flag} must be a positive integer, got '${v}'`);
    return n;
  };
  await fashionFolder({ dir: values.dir!, perClass: int('per-class', values['per-class']!), epochs: int('epochs', values.epochs!) });
}
