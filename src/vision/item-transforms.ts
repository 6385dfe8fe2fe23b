// fastai's item transforms (Resize, RandomResizedCrop, CropPad as CenterCrop, ToTensor) on uint8 [C, H, W] image
// tensors. fastai applies them to PIL images; here the crop/pad is fastai's crop_pad on tensors (np.pad's padding
// semantics) and the resize is bilinear (align_corners=False) computed in float32 and rounded back to uint8.
// The geometry follows fastai 2.7's code: its (w, h) arithmetic, Python's int() truncation, floor division and
// round-half-to-even, so that the same draws give the same boxes. Draws come from libtorch's generator
// (torch.manualSeed reproduces them) unless `rng` injects them.
import * as torch from '../torch/index.js';
import { Tensor } from '../torch/index.js';
import { TensorImage } from '../data/typed.js';
import { checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, checkTensor, fail } from '../torch/validate.js';
import { type Box, type PadMode, PAD_MODES, cropPad, resizeBilinear } from './crop-pad.js';
import { resizePil } from './pil-resize.js';

export type { Box, PadMode } from './crop-pad.js';
export type Split = 'train' | 'valid';
const SPLITS: readonly Split[] = ['train', 'valid'];
/** A source of uniform draws on [0, 1). */
export type Rng = () => number;
export type ResizeMethod = 'crop' | 'pad' | 'squish';
const METHODS: readonly ResizeMethod[] = ['crop', 'pad', 'squish'];
/** 'torch': interpolate(bilinear, align_corners=False) in float32, rounded; 'pil': Pillow's BILINEAR resize exactly
 * (what fastai does; it antialiases when shrinking). */
export type Resample = 'torch' | 'pil';
const RESAMPLES: readonly Resample[] = ['torch', 'pil'];
const MAX_SIDE = 32768;

/** Per call: the split decides random (train, the default as when fastai calls a transform directly) or fixed
 * (valid) geometry; `rng` supplies this call's draws when the transform was made without an `rng` of its own
 * (ImageDataLoaders give each image one seeded in loading order, so draws do not depend on which file decodes first). */
export interface ItemCallOptions {
  split?: Split;
  rng?: Rng;
}

/** What a transform does to one image: crop/pad `box` (padded with `padMode` where it leaves the image), resize to
 * `resizeTo` [h, w], then crop `finalCrop` (RandomResizedCrop's validation centre crop) when not null. */
export interface ItemPlan {
  box: Box;
  padMode: PadMode;
  resizeTo: [number, number];
  resample: Resample;
  finalCrop: Box | null;
}

/** An item transform: `tfm(img, { split })` returns a new uint8 [C, ...size] tensor; the input is left as is. */
export interface ItemTransform {
  (img: Tensor, options?: ItemCallOptions): Tensor;
  /** fastai's order (CropPad 0, Resize and RandomResizedCrop 1, ToTensor 5). */
  readonly order: number;
}

/** A resizing/cropping transform; `plan(shape, { split })` makes the draws a call would and returns the geometry. */
export interface GeometricItemTransform extends ItemTransform {
  /** The output's [h, w]. */
  readonly size: [number, number];
  plan(shape: readonly number[], options?: ItemCallOptions): ItemPlan;
}

export interface ResizeOptions {
  method?: ResizeMethod;
  padMode?: PadMode;
  resample?: Resample;
  /** Uniform draws on [0, 1) in place of libtorch's generator (for tests and custom sampling). */
  rng?: Rng;
}

export interface RandomResizedCropOptions {
  minScale?: number;
  maxScale?: number;
  ratio?: readonly [number, number];
  valXtra?: number;
  resample?: Resample;
  rng?: Rng;
}

export interface CenterCropOptions {
  padMode?: PadMode;
}

// ---- Python's arithmetic, as fastai's code uses it ----

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
/** Python's int() on a float: toward zero, and never -0. */
const pyInt = (x: number): number => Math.trunc(x) + 0;
/** An option's value, or its default when left out (null is a value, and refused where it is not valid). */
const or = <T>(v: T | undefined, d: T): T => (v === undefined ? d : v);
const floorDiv2 = (x: number): number => Math.floor(x / 2);

// ---- validation ----

function checkSize(fn: string, size: unknown): [number, number] {
  const rule = { min: 1, max: MAX_SIDE };
  if (typeof size === 'number') {
    const s = checkInt(fn, 'size', size, rule);
    return [s, s];
  }
  if (!Array.isArray(size) || size.length !== 2) fail(fn, 'size', `a positive integer or an array [h, w] of positive integers`, size);
  return [checkInt(fn, 'size[0]', size[0], rule), checkInt(fn, 'size[1]', size[1], rule)];
}

function checkCall(fn: string, options: unknown): { split: Split; rng: Rng | undefined } {
  const o = checkOptions(fn, options as ItemCallOptions | undefined, ['split', 'rng']);
  return {
    split: checkOneOf(fn, 'options.split', or(o.split, 'train'), SPLITS),
    rng: o.rng === undefined ? undefined : checkFunction<Rng>(fn, 'options.rng', o.rng),
  };
}

/** The transform's own injected draws (options.rng at construction), checked. */
function ownRng(fn: string, rng: unknown): Rng | undefined {
  return rng === undefined ? undefined : checkFunction<Rng>(fn, 'options.rng', rng);
}

function checkImage(fn: string, img: unknown): Tensor {
  checkTensor(fn, 'img', img);
  const t = img as Tensor;
  if (t.dtype !== 'uint8' || t.ndim !== 3 || t.shape.some((d) => d < 1)) fail(fn, 'img', 'a uint8 image tensor [C, H, W]', t);
  return t;
}

function checkShape3(fn: string, shape: unknown): [number, number, number] {
  if (!Array.isArray(shape) || shape.length !== 3) fail(fn, 'shape', 'an image shape [C, H, W]', shape);
  const rule = { min: 1, max: 2 ** 31 - 1 };
  return [checkInt(fn, 'shape[0]', shape[0], rule), checkInt(fn, 'shape[1]', shape[1], rule), checkInt(fn, 'shape[2]', shape[2], rule)];
}

/** A uniform draw on [0, 1), from `rng` or libtorch's generator; an injected value outside [0, 1) is refused. */
function drawer(fn: string, rng: Rng | undefined): Rng {
  if (rng === undefined) return () => torch.tidy(() => torch.rand([1], { dtype: 'float64' }).item());
  return () => {
    const u = rng();
    if (typeof u !== 'number' || !(u >= 0 && u < 1)) fail(fn, 'options.rng', 'a function returning numbers in [0, 1)', u);
    return u;
  };
}

// ---- making and applying a transform ----

type TensorClass = Parameters<Tensor['as']>[0];

/** x under img's class: a transformed TensorImage is a TensorImage (as fastai's transforms keep types). */
function sameClass(x: Tensor, img: Tensor): Tensor {
  const cls = img.constructor as TensorClass;
  return cls === Tensor ? x : x.as(cls);
}

function apply(img: Tensor, p: ItemPlan): Tensor {
  return torch.tidy(() => {
    const box = cropPad(img, p.box, p.padMode);
    let x = p.resample === 'pil' ? resizePil(box, p.resizeTo) : resizeBilinear(box, p.resizeTo);
    if (p.finalCrop !== null) x = cropPad(x, p.finalCrop, 'zeros').contiguous();
    return sameClass(x, img);
  });
}

function geometric(
  fn: string,
  name: string,
  order: number,
  size: [number, number],
  own: Rng | undefined,
  planner: (h: number, w: number, split: Split, draw: Rng) => ItemPlan,
  extra: object,
): GeometricItemTransform {
  const plan = (shape: readonly number[], options?: ItemCallOptions): ItemPlan => {
    const [, h, w] = checkShape3(fn, shape);
    const call = checkCall(fn, options);
    return planner(h, w, call.split, drawer(fn, own ?? call.rng));
  };
  const tfm = (img: Tensor, options?: ItemCallOptions): Tensor => {
    const x = checkImage(fn, img);
    return apply(x, plan(x.shape, options));
  };
  Object.defineProperty(tfm, 'name', { value: name });
  return Object.assign(tfm, { order, size, plan }, extra);
}

/**
 * fastai's Resize. 'crop' (the default) takes the largest box with the target's aspect ratio, at a random position
 * on the training split and centred on validation, and resizes it to `size`; 'pad' fits the image inside the target
 * aspect, pads the rest (`padMode`, 'reflection' by default) and resizes; 'squish' resizes the whole image ignoring
 * its aspect. `size` is an integer or [h, w]. `resample: 'pil'` resizes as Pillow does (fastai's exact pixels);
 * the default 'torch' is libtorch's bilinear interpolate, faster but not antialiased when shrinking.
 */
export function Resize(size: number | readonly [number, number], options?: ResizeOptions): GeometricItemTransform {
  const fn = 'vision.Resize';
  const sz = checkSize(fn, size);
  const o = checkOptions(fn, options, ['method', 'padMode', 'resample', 'rng']);
  const method = checkOneOf(fn, 'options.method', or(o.method, 'crop'), METHODS);
  const padMode = checkOneOf(fn, 'options.padMode', or(o.padMode, 'reflection'), PAD_MODES);
  const resample = checkOneOf(fn, 'options.resample', or(o.resample, 'torch'), RESAMPLES);
  const [th, tw] = sz;
  const planner = (h: number, w: number, split: Split, draw: Rng): ItemPlan => {
    if (method === 'squish') return { box: { top: 0, left: 0, height: h, width: w }, padMode, resizeTo: [th, tw], resample, finalCrop: null };
    // fastai: m = w/tw if op(w/tw, h/th) else h/th, op '<' for crop (the box fits inside), '>' for pad (it contains)
    const rw = w / tw;
    const rh = h / th;
    const m = (method === 'pad' ? rw > rh : rw < rh) ? rw : rh;
    const cw = pyInt(m * tw);
    const ch = pyInt(m * th);
    // fastai's pcts: (x, y), drawn in that order on train
    const px = split === 'valid' ? 0.5 : draw();
    const py = split === 'valid' ? 0.5 : draw();
    return {
      box: { top: pyInt(py * (h - ch)), left: pyInt(px * (w - cw)), height: ch, width: cw },
      padMode,
      resizeTo: [th, tw],
      resample,
      finalCrop: null,
    };
  };
  return geometric(fn, 'Resize', 1, sz, ownRng(fn, o.rng), planner, { method, padMode, resample });
}

/**
 * fastai's RandomResizedCrop. Training: up to 10 tries of a box with area U(minScale, maxScale) of the image's and
 * aspect exp(U(log ratio[0], log ratio[1])), placed uniformly, else a centred box clamped to `ratio`; the box is
 * resized to `size`. Validation: the whole image resized to size + xtra (xtra = ceil(max(size) * valXtra / 8) * 8)
 * on both sides, then centre-cropped to `size`. `resample` as for Resize.
 */
export function RandomResizedCrop(size: number | readonly [number, number], options?: RandomResizedCropOptions): GeometricItemTransform {
  const fn = 'vision.RandomResizedCrop';
  const sz = checkSize(fn, size);
  const o = checkOptions(fn, options, ['minScale', 'maxScale', 'ratio', 'valXtra', 'resample', 'rng']);
  const minScale = checkNumber(fn, 'options.minScale', or(o.minScale, 0.08), { gt: 0, max: 1 });
  const maxScale = checkNumber(fn, 'options.maxScale', or(o.maxScale, 1), { min: minScale, max: 1 });
  const ratio = checkRatio(fn, or(o.ratio, [3 / 4, 4 / 3]));
  const valXtra = checkNumber(fn, 'options.valXtra', or(o.valXtra, 0.14), { min: 0, max: 10 });
  const resample = checkOneOf(fn, 'options.resample', or(o.resample, 'torch'), RESAMPLES);
  const [th, tw] = sz;
  const planner = (h: number, w: number, split: Split, draw: Rng): ItemPlan => {
    const uniform = (a: number, b: number): number => a + (b - a) * draw();
    // Python's random.randint(lo, hi): both ends included
    const randint = (lo: number, hi: number): number => Math.min(lo + Math.floor(draw() * (hi - lo + 1)), hi);
    if (split === 'valid') {
      const xtra = Math.ceil((Math.max(th, tw) * valXtra) / 8) * 8;
      const fh = th + xtra;
      const fw = tw + xtra;
      const finalCrop = { top: floorDiv2(fh - th), left: floorDiv2(fw - tw), height: th, width: tw };
      return { box: { top: 0, left: 0, height: h, width: w }, padMode: 'zeros', resizeTo: [fh, fw], resample, finalCrop };
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      const area = uniform(minScale, maxScale) * w * h;
      const r = Math.exp(uniform(Math.log(ratio[0]), Math.log(ratio[1])));
      const nw = pyRound(Math.sqrt(area * r));
      const nh = pyRound(Math.sqrt(area / r));
      // an empty box (possible on tiny images, where fastai would fail) counts as a failed try
      if (nw <= w && nh <= h && nw >= 1 && nh >= 1) {
        const left = randint(0, w - nw);
        const top = randint(0, h - nh);
        return { box: { top, left, height: nh, width: nw }, padMode: 'zeros', resizeTo: [th, tw], resample, finalCrop: null };
      }
    }
    let cw = w;
    let ch = h;
    if (w / h < ratio[0]) ch = Math.max(pyInt(w / ratio[0]), 1);
    else if (w / h > ratio[1]) cw = Math.max(pyInt(h * ratio[1]), 1);
    return {
      box: { top: floorDiv2(h - ch), left: floorDiv2(w - cw), height: ch, width: cw },
      padMode: 'zeros',
      resizeTo: [th, tw],
      resample,
      finalCrop: null,
    };
  };
  return geometric(fn, 'RandomResizedCrop', 1, sz, ownRng(fn, o.rng), planner, { minScale, maxScale, ratio, valXtra, resample });
}

function checkRatio(fn: string, v: unknown): [number, number] {
  const what = 'an array [min, max] of positive aspect ratios, min <= max';
  if (!Array.isArray(v) || v.length !== 2) fail(fn, 'options.ratio', what, v);
  const rule = { gt: 0, max: 1e6 };
  const lo = checkNumber(fn, 'options.ratio[0]', v[0], rule);
  const hi = checkNumber(fn, 'options.ratio[1]', v[1], rule);
  if (lo > hi) fail(fn, 'options.ratio', what, v);
  return [lo, hi];
}

/** fastai's CropPad: the centred box of `size` (integer or [h, w]), cropped, and padded with `padMode` ('zeros' by
 * default) where it is larger than the image. No resize; the same on both splits. */
export function CenterCrop(size: number | readonly [number, number], options?: CenterCropOptions): GeometricItemTransform {
  const fn = 'vision.CenterCrop';
  const sz = checkSize(fn, size);
  const o = checkOptions(fn, options, ['padMode']);
  const padMode = checkOneOf(fn, 'options.padMode', or(o.padMode, 'zeros'), PAD_MODES);
  const [th, tw] = sz;
  const planner = (h: number, w: number): ItemPlan => ({
    box: { top: floorDiv2(h - th), left: floorDiv2(w - tw), height: th, width: tw },
    padMode,
    resizeTo: [th, tw],
    resample: 'torch',
    finalCrop: null,
  });
  return geometric(fn, 'CenterCrop', 0, sz, undefined, planner, { padMode });
}

/** fastai's ToTensor for image tensors: a uint8 [C, H, W] TensorImage is returned as it is (the same object); another
 * uint8 [C, H, W] tensor comes back as a TensorImage sharing its storage, and a uint8 [H, W] one as a [1, H, W]
 * TensorImage view. Other tensors are refused. */
export function ToTensor(): ItemTransform {
  const fn = 'vision.ToTensor';
  const tfm = (img: Tensor, options?: ItemCallOptions): Tensor => {
    checkTensor(fn, 'img', img);
    checkCall(fn, options);
    if (img.dtype === 'uint8' && img.ndim === 2 && img.shape.every((d) => d >= 1)) return torch.tidy(() => img.unsqueeze(0).as(TensorImage));
    const x = checkImage(fn, img);
    return x instanceof TensorImage ? x : x.as(TensorImage);
  };
  Object.defineProperty(tfm, 'name', { value: 'ToTensor' });
  return Object.assign(tfm, { order: 5 });
}
