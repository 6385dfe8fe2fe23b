// Fashion-MNIST from Debian's dataset-fashion-mnist package: 60,000 training and 10,000 test images of
// 28x28, scaled to [0, 1] and normalized with the training set's mean and standard deviation.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { DataLoaders } from './dataloader.js';
import { TensorCategory, TensorImage } from './typed.js';
import { readIdx } from './idx.js';
import { normalizeSplits } from './normalize.js';
import { imagePreprocessing } from './preprocessing.js';
import { checkPath, optDevice } from './check.js';
import { checkInt, checkOptions } from '../torch/validate.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function find(fn: string, dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new torch.FlintError(
    `${fn}: Fashion-MNIST: ${base}(.gz) not found in ${dir}. Install Debian's dataset-fashion-mnist ` +
      '(apt-get install dataset-fashion-mnist; `npm run demo` does it), or pass { dir } with the four IDX files.',
  );
}

/** The raw tensors: images float32 [N, 1, 28, 28] in [0, 1], labels int64 [N]. */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): { xTrain: Tensor; yTrain: Tensor; xValid: Tensor; yValid: Tensor } {
  return load('data.loadFashionMnist', dir);
}

function load(fn: string, dir: unknown): { xTrain: Tensor; yTrain: Tensor; xValid: Tensor; yValid: Tensor } {
  const d = dir === undefined ? FASHION_MNIST_DIR : checkPath(fn, 'dir', dir);
  const read = (path: string): Tensor => {
    try {
      return readIdx(path);
    } catch (e) {
      // name what the user called; readIdx's message says which file and what is wrong with it
      throw new torch.FlintError(`${fn}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  };
  return torch.tidy(() => {
    const split = (prefix: string): [Tensor, Tensor] => {
      const images = read(find(fn, d, `${prefix}-images-idx3-ubyte`));
      const labels = read(find(fn, d, `${prefix}-labels-idx1-ubyte`));
      if (images.ndim !== 3 || images.dtype !== 'uint8' || images.shape[1] !== 28 || images.shape[2] !== 28)
        throw new torch.FlintError(
          `${fn}: Fashion-MNIST: ${prefix} images should be uint8 [N, 28, 28], got ${images.dtype} [${images.shape.join(', ')}]`,
        );
      if (labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
        throw new torch.FlintError(`${fn}: Fashion-MNIST: ${prefix} has ${images.shape[0]} images but ${labels.shape[0]} labels`);
      }
      return [images.float().div(255).unsqueeze(1), labels.long()];
    };
    const [xTrain, yTrain] = split('train');
    const [xValid, yValid] = split('t10k');
    return { xTrain, yTrain, xValid, yValid };
  });
}

/** DataLoaders over Fashion-MNIST, normalized with the training set's statistics. */
export function fashionMnist(options: { batchSize?: number; dir?: string; device?: string; seed?: number } = {}): DataLoaders {
  const fn = 'data.fashionMnist';
  const o = checkOptions(fn, options, ['batchSize', 'dir', 'device', 'seed']);
  const batchSize = o.batchSize === undefined ? 64 : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
  const device = optDevice(fn, 'options.device', o.device);
  const seed = o.seed === undefined ? undefined : checkInt(fn, 'options.seed', o.seed, { min: 0, max: 2 ** 52 });
  const raw = load(fn, o.dir);
  try {
    const { train, valid, stats } = normalizeSplits(raw.xTrain, raw.xValid);
    // typed as fastai types them: images and categories (CastToTensor hands the model plain tensors)
    const [xt, xv, yt, yv] = [train.as(TensorImage), valid.as(TensorImage), raw.yTrain.as(TensorCategory), raw.yValid.as(TensorCategory)];
    const dls = DataLoaders.fromTensors(xt, yt, xv, yv, { batchSize, device, seed });
    dls.preprocessing = imagePreprocessing(stats, [1, 28, 28], { divisor: 255, vocab: FASHION_MNIST_CLASSES });
    torch.dispose([train, valid, stats]);
    return dls;
  } finally {
    torch.dispose(raw);
  }
}
