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

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function find(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new torch.TorchError(`Fashion-MNIST: ${base}(.gz) not found in ${dir}. Install Debian's dataset-fashion-mnist ` +
    "(apt-get install dataset-fashion-mnist; `npm run demo` does it), or pass { dir } with the four IDX files.");
}

/** The raw tensors: images float32 [N, 1, 28, 28] in [0, 1], labels int64 [N]. */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): { xTrain: Tensor; yTrain: Tensor; xValid: Tensor; yValid: Tensor } {
  return torch.tidy(() => {
    const split = (prefix: string): [Tensor, Tensor] => {
      const images = readIdx(find(dir, `${prefix}-images-idx3-ubyte`));
      const labels = readIdx(find(dir, `${prefix}-labels-idx1-ubyte`));
      if (images.ndim !== 3 || images.dtype !== 'uint8') throw new torch.TorchError(`Fashion-MNIST: ${prefix} images should be uint8 [N, 28, 28], got ${images.dtype} [${images.shape.join(', ')}]`);
      if (labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
        throw new torch.TorchError(`Fashion-MNIST: ${prefix} has ${images.shape[0]} images but ${labels.shape[0]} labels`);
      }
      return [images.float().div(255).unsqueeze(1), labels.long()];
    };
    const [xTrain, yTrain] = split('train');
    const [xValid, yValid] = split('t10k');
    return { xTrain, yTrain, xValid, yValid };
  });
}

/** DataLoaders over Fashion-MNIST, normalized with the training set's statistics. */
export function fashionMnist(o: { batchSize?: number; dir?: string; device?: string; seed?: number } = {}): DataLoaders {
  const raw = loadFashionMnist(o.dir);
  const { train, valid, stats } = normalizeSplits(raw.xTrain, raw.xValid);
  // typed as fastai types them: images and categories (CastToTensor hands the model plain tensors)
  const [xt, xv, yt, yv] = [train.as(TensorImage), valid.as(TensorImage), raw.yTrain.as(TensorCategory), raw.yValid.as(TensorCategory)];
  const dls = DataLoaders.fromTensors(xt, yt, xv, yv, { batchSize: o.batchSize ?? 64, device: o.device, seed: o.seed });
  dls.preprocessing = imagePreprocessing(stats, [1, 28, 28], { divisor: 255, vocab: FASHION_MNIST_CLASSES });
  torch.dispose([raw, train, valid, stats]);
  return dls;
}
