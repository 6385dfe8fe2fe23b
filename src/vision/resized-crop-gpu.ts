// fastai's RandomResizedCropGPU: one random crop for the whole batch (scale in [minScale, maxScale] of the area,
// aspect ratio in `ratio`), resized to `size` by the identity resample (fastai's affine_coord with no matrix), on the
// batch's device. What augTransforms adds for minScale < 1. fastai draws with Python's `random`; here the draws come
// from libtorch's generator (torch.manualSeed reproduces them) unless `rng` injects them. The geometry is fastai's:
// ten tries, Python's round() (half to even) and int() truncation, floor division for the centre.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, fail, named } from '../torch/validate.js';
import { AffineCoordTfm, type AffineMode, type AffinePadMode } from './affine.js';
import { BatchTransform, type BatchSplit } from './batch-transform.js';

/** A source of uniform draws on [0, 1). */
export type UniformRng = () => number;

export interface RandomResizedCropGPUOptions {
  minScale?: number;
  maxScale?: number;
  ratio?: readonly [number, number];
  mode?: AffineMode;
  padMode?: AffinePadMode;
  /** The scale of the validation split's centre crop (1). */
  validScale?: number;
  rng?: UniformRng;
}

/** The crop of one call: top-left corner and size, in pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const torchRng: UniformRng = () => torch.tidy(() => torch.rand([1]).item() as number);

export class RandomResizedCropGPU extends BatchTransform {
  readonly order = 30;
  readonly splitIdx = null;
  protected readonly fn = 'vision.RandomResizedCropGPU';
  readonly size: [number, number];
  readonly minScale: number;
  readonly maxScale: number;
  readonly ratio: [number, number];
  readonly validScale: number;
  readonly #rng: UniformRng;
  readonly #resize: AffineCoordTfm;

  constructor(size: number | readonly [number, number], options?: RandomResizedCropGPUOptions) {
    super();
    const fn = 'vision.RandomResizedCropGPU';
    if (typeof size === 'number') {
      const s = checkInt(fn, 'size', size, { min: 1, max: 32768 });
      this.size = [s, s];
    } else {
      const a = checkArray<number>(fn, 'size', size, 'a positive integer or [h, w]');
      if (a.length !== 2) fail(fn, 'size', 'a positive integer or [h, w]', size);
      this.size = [checkInt(fn, 'size[0]', a[0], { min: 1, max: 32768 }), checkInt(fn, 'size[1]', a[1], { min: 1, max: 32768 })];
    }
    const o = checkOptions(fn, options, ['minScale', 'maxScale', 'ratio', 'mode', 'padMode', 'validScale', 'rng']);
    this.minScale = o.minScale === undefined ? 0.08 : checkNumber(fn, 'options.minScale', o.minScale, { gt: 0, max: 1 });
    this.maxScale = o.maxScale === undefined ? 1 : checkNumber(fn, 'options.maxScale', o.maxScale, { gt: 0, max: 1 });
    if (this.minScale > this.maxScale) fail(fn, 'options.maxScale', `a number >= minScale (${this.minScale})`, this.maxScale);
    if (o.ratio === undefined) this.ratio = [3 / 4, 4 / 3];
    else {
      const r = checkArray<number>(fn, 'options.ratio', o.ratio, 'an array [min, max] of positive numbers');
      if (r.length !== 2) fail(fn, 'options.ratio', 'an array [min, max] of positive numbers', o.ratio);
      this.ratio = [checkNumber(fn, 'options.ratio[0]', r[0], { gt: 0 }), checkNumber(fn, 'options.ratio[1]', r[1], { gt: 0 })];
      if (this.ratio[0] > this.ratio[1]) fail(fn, 'options.ratio', 'an array [min, max] with min <= max', o.ratio);
    }
    this.validScale = o.validScale === undefined ? 1 : checkNumber(fn, 'options.validScale', o.validScale, { gt: 0, max: 1 });
    this.#rng = o.rng === undefined ? torchRng : checkFunction<UniformRng>(fn, 'options.rng', o.rng);
    this.#resize = named(fn, () => new AffineCoordTfm({ size: this.size, mode: o.mode, padMode: o.padMode, alignCorners: true }));
  }

  #u(lo: number, hi: number): number {
    const v = named(this.fn, () => this.#rng());
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(this.fn, 'options.rng()', 'a number in [0, 1)', v);
    return lo + (hi - lo) * v;
  }

  /** The crop a call would take of an image of h x w (making the draws it would). */
  box(h: number, w: number, split: BatchSplit = 'train'): CropBox {
    const fn = 'vision.RandomResizedCropGPU.box';
    checkInt(fn, 'h', h, { min: 1, max: 2 ** 31 - 1 });
    checkInt(fn, 'w', w, { min: 1, max: 2 ** 31 - 1 });
    checkOneOf(fn, 'split', split, ['train', 'valid']);
    const [r0, r1] = this.ratio;
    if (split === 'train') {
      for (let attempt = 0; attempt < 10; attempt++) {
        const area = this.#u(this.minScale, this.maxScale) * w * h;
        const ratio = Math.exp(this.#u(Math.log(r0), Math.log(r1)));
        const nw = Math.trunc(pyRound(Math.sqrt(area * ratio)));
        const nh = Math.trunc(pyRound(Math.sqrt(area / ratio)));
        if (nw <= w && nh <= h) {
          // Python's random.randint(0, h - nh), inclusive
          const top = Math.min(h - nh, Math.floor(this.#u(0, h - nh + 1)));
          const left = Math.min(w - nw, Math.floor(this.#u(0, w - nw + 1)));
          return { top, left, height: nh, width: nw };
        }
      }
    }
    let [ch, cw] = w / h < r0 ? [Math.trunc(w / r0), w] : w / h > r1 ? [h, Math.trunc(h * r1)] : [h, w];
    if (split === 'valid') [ch, cw] = [Math.trunc(ch * this.validScale), Math.trunc(cw * this.validScale)];
    ch = Math.max(ch, 1);
    cw = Math.max(cw, 1);
    return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
  }

  protected override beforeCall(x: Tensor, split: BatchSplit): CropBox {
    return this.box(x.shape[2]!, x.shape[3]!, split);
  }

  protected encodes(x: Tensor, split: BatchSplit, draws: unknown): Tensor {
    const b = draws as CropBox;
    const crop = x.narrow(2, b.top, b.height).narrow(3, b.left, b.width);
    return this.#resize.apply(crop, { split });
  }
}
