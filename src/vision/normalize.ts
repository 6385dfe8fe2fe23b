// fastai's deterministic batch transforms, run on both splits: IntToFloatTensor (uint8 0..255 to float 0..1) and
// Normalize ((x − mean) / std per channel). The statistics are kept as numbers and made on the batch's device per
// call (two tiny tensors), so a transform holds no tensor and works on any device.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkNumber, checkOptions, fail, isTensorLike } from '../torch/validate.js';
import { BatchTransform, type BatchSplit, checkImageBatch } from './batch-transform.js';

/** ImageNet's per-channel mean and std (RGB), fastai's imagenet_stats. */
export const imagenetStats: readonly [readonly number[], readonly number[]] = Object.freeze([
  Object.freeze([0.485, 0.456, 0.406]),
  Object.freeze([0.229, 0.224, 0.225]),
]) as never;

function stats(fn: string, arg: string, v: unknown, positive: boolean): number[] {
  let a: unknown = v;
  if (isTensorLike(v)) {
    const t = v as Tensor;
    if (t.isDisposed) fail(fn, arg, 'a live tensor', v);
    a = Array.from(t.flatten().toTypedArray() as ArrayLike<number | bigint>, Number);
  }
  const arr = checkArray<number>(fn, arg, a, 'an array of numbers (one per channel) or a tensor');
  if (arr.length === 0) fail(fn, arg, 'a non-empty array of numbers', v);
  return arr.map((x, i) => checkNumber(fn, `${arg}[${i}]`, x, positive ? { gt: 0 } : {}));
}

function pair(fn: string, mean: unknown, std: unknown): [readonly number[], readonly number[]] {
  const m = stats(fn, 'mean', mean, false);
  const s = stats(fn, 'std', std, true);
  if (m.length !== s.length) fail(fn, 'std', `${m.length} values, as mean has`, std);
  return [Object.freeze(m), Object.freeze(s)];
}

export class Normalize extends BatchTransform {
  readonly order = 99;
  readonly splitIdx = null;
  protected readonly fn = 'vision.Normalize';
  readonly mean: readonly number[];
  readonly std: readonly number[];

  /** Per-channel mean and std (arrays, or tensors read once); one value applies to every channel. */
  constructor(mean: readonly number[] | Tensor, std: readonly number[] | Tensor) {
    super();
    [this.mean, this.std] = pair('vision.Normalize', mean, std);
  }

  /** fastai's Normalize.from_stats: `Normalize.fromStats(...imagenetStats)`. */
  static fromStats(mean: readonly number[] | Tensor, std: readonly number[] | Tensor): Normalize {
    const [m, s] = pair('vision.Normalize.fromStats', mean, std);
    return new Normalize(m, s);
  }

  private tensors(x: Tensor): [Tensor, Tensor] {
    const o = { dtype: x.dtype as 'float32', device: x.device };
    return [torch.tensor([...this.mean], o).reshape([1, -1, 1, 1]), torch.tensor([...this.std], o).reshape([1, -1, 1, 1])];
  }

  protected override checkInput(fn: string, x: unknown): void {
    const t = checkImageBatch(fn, x);
    const n = this.mean.length;
    if (n !== 1 && t.shape[1] !== n) fail(fn, 'x', `an image batch with ${n} channels (N, ${n}, H, W)`, x);
  }

  protected encodes(x: Tensor, _split: BatchSplit): Tensor {
    const [m, s] = this.tensors(x);
    return x.sub(m).div_(s);
  }

  /** x · std + mean. */
  override decode(x: Tensor): Tensor {
    this.checkInput('vision.Normalize.decode', x);
    return torch.tidy(() => {
      const [m, s] = this.tensors(x);
      return x.mul(s).add_(m);
    });
  }
}

export interface IntToFloatOptions {
  /** The divisor (255). */
  div?: number;
}

/** fastai's IntToFloatTensor: x.float() / 255 (order 10, both splits). */
export class IntToFloatTensor extends BatchTransform {
  readonly order = 10;
  readonly splitIdx = null;
  protected readonly fn = 'vision.IntToFloatTensor';
  readonly div: number;

  constructor(options?: IntToFloatOptions) {
    super();
    const o = checkOptions('vision.IntToFloatTensor', options, ['div']);
    this.div = o.div === undefined ? 255 : checkNumber('vision.IntToFloatTensor', 'options.div', o.div, { gt: 0 });
  }

  protected override checkInput(fn: string, x: unknown): void {
    checkImageBatch(fn, x, true);
  }

  protected encodes(x: Tensor, _split: BatchSplit): Tensor {
    // float() of a float32 batch is the batch itself: never divide that in place
    return x.dtype === 'float32' ? x.div(this.div) : x.float().div_(this.div);
  }

  /** fastai's decodes: (clamp(x, 0, 1) · div) as int64 (truncated). */
  override decode(x: Tensor): Tensor {
    checkImageBatch('vision.IntToFloatTensor.decode', x);
    return torch.tidy(() => x.clamp(0, 1).mul_(this.div).long());
  }
}
