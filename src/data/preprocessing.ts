// What turns raw inputs into model inputs, as plain JSON: DataLoaders carry it, learn.export writes it, and a
// fresh process (loadLearner, `flint predict`) applies it to new data exactly as training did.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { normalize, type NormStats } from './normalize.js';

export interface ImagePreprocessing {
  kind: 'image';
  /** Raw pixel values are divided by this first (255 for bytes). */
  divisor: number;
  /** Normalization statistics, broadcastable over one image [C, H, W] (flattened values, with their shape). */
  mean: number[];
  std: number[];
  statsShape: number[];
  /** The shape of one image. */
  itemShape: number[];
  /** Class names (decoded prediction i is vocab[i]); null for a regression. */
  vocab: string[] | null;
}

export interface TabularPreprocessing {
  kind: 'tabular';
  catNames: string[];
  contNames: string[];
  /** Each categorical column's values: code i + 1 is categories[name][i]; code 0 is an unknown or missing value. */
  categories: Record<string, string[]>;
  contMean: number[];
  contStd: number[];
  target: string | null;
  vocab: string[] | null;
}

export type Preprocessing = ImagePreprocessing | TabularPreprocessing;

/** The image preprocessing for normalization statistics computed over a batch of images [N, C, H, W]. */
export function imagePreprocessing(stats: NormStats, itemShape: number[], o: { divisor?: number; vocab?: string[] | null } = {}): ImagePreprocessing {
  // stats are kept broadcastable over the batch: drop the batch dim
  const shape = stats.mean.shape.slice(1);
  return {
    kind: 'image', divisor: o.divisor ?? 1, mean: Array.from(stats.mean.toTypedArray() as Float32Array),
    std: Array.from(stats.std.toTypedArray() as Float32Array), statsShape: shape, itemShape, vocab: o.vocab ?? null,
  };
}

/** Raw images ([N, H, W] or [N, ...itemShape], any numeric dtype) to normalized float32 model inputs. */
export function imageInputs(p: ImagePreprocessing, raw: Tensor): Tensor {
  const per = p.itemShape.reduce((a, b) => a * b, 1);
  const n = raw.shape[0] ?? 0;
  if (raw.ndim < 2 || raw.numel() !== n * per) {
    throw new torch.TorchError(`images: expected N images of shape [${p.itemShape.join(', ')}], got a tensor of shape [${raw.shape.join(', ')}]`);
  }
  return torch.tidy(() => {
    const stats = { mean: torch.tensor(p.mean).reshape(p.statsShape).to({ device: raw.device }), std: torch.tensor(p.std).reshape(p.statsShape).to({ device: raw.device }) };
    // the ops of training's pipeline (fashionMnist: bytes / 255, then normalize), so predictions match exactly
    return normalize(raw.float().div(p.divisor).reshape([n, ...p.itemShape]), stats);
  });
}
