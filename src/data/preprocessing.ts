// What turns raw inputs into model inputs, as plain JSON: DataLoaders carry it, learn.export writes it, and a
// fresh process (loadLearner, `flint predict`) applies it to new data exactly as training did.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { normalize, type NormStats } from './normalize.js';
import { checkArray, checkNumber, checkOptions, checkShape, checkString, checkTensor, fail } from '../torch/validate.js';

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
  /** How a new image is brought to itemShape (vision's Resize, as on the validation split); absent: a centre crop. */
  resize?: { method: 'crop' | 'pad' | 'squish'; padMode: 'reflection' | 'zeros' | 'border' };
}

/** A tabular proc's fitted state, as plain JSON (the tabular application defines and applies them). */
export interface TabularProcState {
  /** 'Categorify', 'FillMissing' or 'Normalize'. */
  name: string;
  [key: string]: unknown;
}

export interface TabularPreprocessing {
  kind: 'tabular';
  /** The model's categorical inputs, in order (FillMissing's `<col>_na` columns included). */
  catNames: string[];
  contNames: string[];
  /** The target columns. */
  yNames: string[];
  yBlock: 'category' | 'regression' | 'multiCategory';
  /** The procs fitted on the training rows, in the order they run. */
  procs: TabularProcState[];
  /** Class names (category: the target's values; multiCategory: yNames); null for a regression. */
  vocab: string[] | null;
  /** Whether batches carry the continuous tensor (false for collaborative filtering: [codes, y]). */
  withCont: boolean;
}

export type Preprocessing = ImagePreprocessing | TabularPreprocessing;

/** Whether a statistics shape broadcasts against an item shape (aligned from the right, each size equal or 1). */
function broadcasts(stats: readonly number[], item: readonly number[]): boolean {
  return stats.length <= item.length && stats.every((n, i) => n === 1 || n === item[item.length - stats.length + i]);
}

function checkItemShape(fn: string, arg: string, v: unknown): number[] {
  const shape = checkShape(fn, arg, v);
  if (shape.length === 0 || shape.some((n) => n < 1)) fail(fn, arg, 'a non-empty shape of positive sizes', v);
  return shape;
}

function checkVocab(fn: string, arg: string, v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  const a = checkArray(fn, arg, v);
  a.forEach((x, i) => checkString(fn, `${arg}[${i}]`, x));
  return a as string[];
}

/** The image preprocessing for normalization statistics computed over a batch of images [N, C, H, W]. */
export function imagePreprocessing(
  stats: NormStats,
  itemShape: number[],
  options: { divisor?: number; vocab?: string[] | null } = {},
): ImagePreprocessing {
  const fn = 'data.imagePreprocessing';
  if (stats === null || typeof stats !== 'object') fail(fn, 'stats', 'normalization statistics { mean, std }', stats);
  const { mean, std } = stats;
  checkTensor(fn, 'stats.mean', mean);
  checkTensor(fn, 'stats.std', std);
  if (mean.ndim < 1 || mean.shape[0] !== 1) fail(fn, 'stats.mean', 'statistics kept broadcastable over a batch (first dim of size 1)', mean);
  if (std.shape.join() !== mean.shape.join()) fail(fn, 'stats.std', `a tensor of stats.mean's shape [${mean.shape.join(', ')}]`, std);
  const item = checkItemShape(fn, 'itemShape', itemShape);
  const o = checkOptions(fn, options, ['divisor', 'vocab']);
  const divisor = o.divisor === undefined ? 1 : checkNumber(fn, 'options.divisor', o.divisor, { gt: 0 });
  const vocab = checkVocab(fn, 'options.vocab', o.vocab);
  // stats are kept broadcastable over the batch: drop the batch dim
  const shape = mean.shape.slice(1);
  if (!broadcasts(shape, item)) fail(fn, 'itemShape', `a shape the statistics [${shape.join(', ')}] broadcast to`, itemShape);
  const host = (t: Tensor): number[] => torch.tidy(() => Array.from(t.float().toTypedArray() as Float32Array));
  const m = host(mean);
  const s = host(std);
  m.forEach((v, i) => checkNumber(fn, `stats.mean[${i}]`, v));
  s.forEach((v, i) => checkNumber(fn, `stats.std[${i}]`, v, { gt: 0 }));
  return { kind: 'image', divisor, mean: m, std: s, statsShape: [...shape], itemShape: [...item], vocab };
}

function checkImagePrep(fn: string, p: unknown): ImagePreprocessing {
  if (p === null || typeof p !== 'object' || (p as { kind?: unknown }).kind !== 'image')
    fail(fn, 'preprocessing', "an image preprocessing ({ kind: 'image', ... })", p);
  const q = p as ImagePreprocessing;
  checkNumber(fn, 'preprocessing.divisor', q.divisor, { gt: 0 });
  const item = checkItemShape(fn, 'preprocessing.itemShape', q.itemShape);
  const shape = checkShape(fn, 'preprocessing.statsShape', q.statsShape);
  if (!broadcasts(shape, item)) fail(fn, 'preprocessing.statsShape', `a shape that broadcasts to itemShape [${item.join(', ')}]`, shape);
  const size = shape.reduce((a, b) => a * b, 1);
  for (const k of ['mean', 'std'] as const) {
    const a = checkArray(fn, `preprocessing.${k}`, q[k]);
    if (a.length !== size) fail(fn, `preprocessing.${k}`, `${size} numbers (statsShape [${shape.join(', ')}])`, a);
    a.forEach((v, i) => checkNumber(fn, `preprocessing.${k}[${i}]`, v, k === 'std' ? { gt: 0 } : {}));
  }
  return q;
}

/** Raw images ([N, H, W] or [N, ...itemShape], any numeric dtype) to normalized float32 model inputs. */
export function imageInputs(p: ImagePreprocessing, raw: Tensor): Tensor {
  const fn = 'data.imageInputs';
  checkImagePrep(fn, p);
  checkTensor(fn, 'raw', raw);
  if (raw.dtype.startsWith('complex')) fail(fn, 'raw', 'a real-valued tensor of images', raw);
  const per = p.itemShape.reduce((a, b) => a * b, 1);
  const n = raw.shape[0] ?? 0;
  if (raw.ndim < 2 || raw.numel() !== n * per) {
    fail(fn, 'raw', `N images of shape [${p.itemShape.join(', ')}] (a tensor [N, ...])`, raw);
  }
  return torch.tidy(() => {
    const stats = {
      mean: torch.tensor(p.mean).reshape(p.statsShape).to({ device: raw.device }),
      std: torch.tensor(p.std).reshape(p.statsShape).to({ device: raw.device }),
    };
    // the ops of training's pipeline (fashionMnist: bytes / 255, then normalize), so predictions match exactly
    return normalize(
      raw
        .float()
        .div(p.divisor)
        .reshape([n, ...p.itemShape]),
      stats,
    );
  });
}
