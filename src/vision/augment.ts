// fastai's aug_transforms and the batch Pipeline: the list of batch transforms (affine kinds composed into one
// AffineCoordTfm, lighting kinds into one LightingTfm, as setup_aug_tfms does), and running a list of them in order
// on the image part of a batch, for a DataLoader's afterBatch.
import type { Tensor } from '../torch/index.js';
import * as torch from '../torch/index.js';
import type { Batch } from '../data/collate.js';
import { checkArray, checkBool, checkNumber, checkOptions, fail, isTensorLike, named } from '../torch/validate.js';
import { AffineCoordTfm, type AffineMode, type AffinePadMode, Dihedral, Flip, Rotate, Warp, Zoom } from './affine.js';
import { BatchTransform, type BatchCallOptions, checkImageBatch, splitOf } from './batch-transform.js';
import { Brightness, Contrast, LightingTfm } from './lighting.js';
import { RandomResizedCropGPU } from './resized-crop-gpu.js';

export { BatchTransform, type BatchCallOptions, type BatchSplit } from './batch-transform.js';
export type { Draw } from './draws.js';
export {
  AffineCoordTfm,
  Flip,
  Rotate,
  Zoom,
  Warp,
  Dihedral,
  type AffineMatrices,
  type AffineMode,
  type AffinePadMode,
  type AffineCoordOptions,
  type FlipOptions,
  type RotateOptions,
  type ZoomOptions,
  type WarpOptions,
  type DihedralOptions,
  type MatFn,
} from './affine.js';
export { LightingTfm, Brightness, Contrast, type LightingFn, type LightingOptions } from './lighting.js';
export { Normalize, IntToFloatTensor, imagenetStats, type IntToFloatOptions } from './normalize.js';
export { RandomResizedCropGPU, type RandomResizedCropGPUOptions, type CropBox, type UniformRng } from './resized-crop-gpu.js';

export interface AugTransformsOptions {
  /** Scales maxRotate, maxLighting and maxWarp (1). */
  mult?: number;
  doFlip?: boolean;
  /** Flips and rotations by 90° too (Dihedral) in place of the horizontal flip. */
  flipVert?: boolean;
  maxRotate?: number;
  minZoom?: number;
  maxZoom?: number;
  maxLighting?: number;
  maxWarp?: number;
  pAffine?: number;
  pLighting?: number;
  /** More batch transforms, composed and ordered with these. */
  xtraTfms?: readonly BatchTransform[] | null;
  size?: number | readonly [number, number] | null;
  mode?: AffineMode;
  padMode?: AffinePadMode;
  alignCorners?: boolean;
  /** One draw for the whole batch in place of one per image. */
  batch?: boolean;
  /** Below 1, a RandomResizedCropGPU to `size` (square crops of at least this share of the area) runs first. */
  minScale?: number;
}
const AUG_KEYS = [
  'mult',
  'doFlip',
  'flipVert',
  'maxRotate',
  'minZoom',
  'maxZoom',
  'maxLighting',
  'maxWarp',
  'pAffine',
  'pLighting',
  'xtraTfms',
  'size',
  'mode',
  'padMode',
  'alignCorners',
  'batch',
  'minScale',
] as const;

function checkTfms(fn: string, arg: string, v: unknown): BatchTransform[] {
  const a = checkArray<BatchTransform>(fn, arg, v, 'an array of batch transforms');
  a.forEach((t, i) => {
    if (!(t instanceof BatchTransform)) fail(fn, `${arg}[${i}]`, 'a batch transform (Flip, Normalize...)', t);
  });
  return [...a];
}

/** fastai's setup_aug_tfms: the affine transforms composed into one (a single resample), the lighting ones into
 * one, then the others. */
export function setupAugTfms(tfms: readonly BatchTransform[]): BatchTransform[] {
  const list = checkTfms('vision.setupAugTfms', 'tfms', tfms);
  const aff = list.filter((t): t is AffineCoordTfm => t instanceof AffineCoordTfm);
  const lig = list.filter((t): t is LightingTfm => t instanceof LightingTfm);
  const others = list.filter((t) => !(t instanceof AffineCoordTfm) && !(t instanceof LightingTfm));
  const res: BatchTransform[] = [];
  if (aff.length > 0) res.push(aff.slice(1).reduce((a, t) => a.compose(t), aff[0]!));
  if (lig.length > 0) res.push(lig.slice(1).reduce((a, t) => a.compose(t), lig[0]!));
  return [...res, ...others];
}

/** fastai's aug_transforms: flip, warp, rotate and zoom (one resample), brightness and contrast (one pass in logit
 * space), with fastai's defaults. */
export function augTransforms(options?: AugTransformsOptions): BatchTransform[] {
  const fn = 'vision.augTransforms';
  const o = checkOptions(fn, options, AUG_KEYS);
  const num = (k: keyof AugTransformsOptions, d: number, rule: { min?: number; max?: number; gt?: number } = { min: 0 }): number =>
    o[k] === undefined ? d : checkNumber(fn, `options.${k}`, o[k], rule);
  const bool = (k: keyof AugTransformsOptions, d: boolean): boolean => (o[k] === undefined ? d : checkBool(fn, `options.${k}`, o[k]));
  const mult = num('mult', 1);
  const doFlip = bool('doFlip', true);
  const flipVert = bool('flipVert', false);
  const maxRotate = num('maxRotate', 10) * mult;
  const minZoom = num('minZoom', 1, { gt: 0 });
  const maxZoom = num('maxZoom', 1.1, { gt: 0 });
  if (minZoom > maxZoom) fail(fn, 'options.maxZoom', `a number >= minZoom (${minZoom})`, maxZoom);
  const maxLighting = num('maxLighting', 0.2, { min: 0, max: 0.99 / mult || 0 }) * mult;
  const maxWarp = num('maxWarp', 0.2, { min: 0, max: 0.5 / mult || 0 }) * mult;
  const pAffine = num('pAffine', 0.75, { min: 0, max: 1 });
  const pLighting = num('pLighting', 0.75, { min: 0, max: 1 });
  const xtra = o.xtraTfms === undefined || o.xtraTfms === null ? [] : checkTfms(fn, 'options.xtraTfms', o.xtraTfms);
  const batch = bool('batch', false);
  const minScale = num('minScale', 1, { gt: 0, max: 1 });
  if (minScale !== 1 && (o.size === undefined || o.size === null))
    fail(fn, 'options.size', 'a size (a random resized crop, minScale < 1, needs one)', o.size);
  // the resampling options, checked under this function's name (the transforms would name themselves)
  const tkw = named(fn, () => {
    const probe = new AffineCoordTfm({ size: o.size, mode: o.mode, padMode: o.padMode, alignCorners: o.alignCorners });
    // fastai: with minScale < 1 the crop does the resizing, and the affine transforms keep its size
    const size = minScale === 1 ? probe.size : null;
    return { size, mode: probe.mode, padMode: probe.padMode, alignCorners: probe.alignCorners, batch };
  });
  if (minScale !== 1) xtra.unshift(named(fn, () => new RandomResizedCropGPU(o.size as number, { minScale, ratio: [1, 1] })));
  const res: BatchTransform[] = [];
  if (doFlip) res.push(flipVert ? new Dihedral({ p: 0.5, ...tkw }) : new Flip({ p: 0.5, ...tkw }));
  if (maxWarp) res.push(new Warp({ magnitude: maxWarp, p: pAffine, ...tkw }));
  if (maxRotate) res.push(new Rotate({ maxDeg: maxRotate, p: pAffine, ...tkw }));
  if (minZoom < 1 || maxZoom > 1) res.push(new Zoom({ minZoom, maxZoom, p: pAffine, ...tkw }));
  if (maxLighting) {
    res.push(new Brightness({ maxLighting, p: pLighting, batch }));
    res.push(new Contrast({ maxLighting, p: pLighting, batch }));
  }
  return named(fn, () => setupAugTfms([...res, ...xtra]));
}

/** The transforms by increasing order, stable (fastai's Pipeline). */
export function ordered(fn: string, tfms: readonly BatchTransform[]): BatchTransform[] {
  return checkTfms(fn, 'tfms', tfms)
    .map((t, i) => [t, i] as const)
    .sort((a, b) => a[0].order - b[0].order || a[1] - b[1])
    .map(([t]) => t);
}

function run(tfms: readonly BatchTransform[], x: Tensor, split: BatchCallOptions): Tensor {
  let y = x;
  for (const t of tfms) {
    const next = t.apply(y, split);
    if (y !== x && next !== y) y.dispose();
    y = next;
  }
  return y;
}

/**
 * Runs the batch transforms in order (fastai's Pipeline) on the image part of a batch: the batch itself when it is
 * a tensor, else its first element ([x, y, ...]: the targets are returned as they are). A new batch; the input's
 * tensors are left as they are.
 */
export function applyBatchTfms(tfms: readonly BatchTransform[], batch: Batch, options?: BatchCallOptions): Batch {
  const fn = 'vision.applyBatchTfms';
  const list = ordered(fn, tfms);
  const split = { split: splitOf(fn, options) };
  if (isTensorLike(batch)) {
    checkImageBatch(fn, batch, true);
    return named(fn, () => run(list, batch as Tensor, split));
  }
  if (!Array.isArray(batch) || batch.length === 0 || !isTensorLike(batch[0]))
    fail(fn, 'batch', 'an image batch tensor or an array [images, ...targets]', batch);
  checkImageBatch(fn, batch[0], true);
  return [named(fn, () => run(list, batch[0] as Tensor, split)), ...batch.slice(1)];
}

/** A DataLoader afterBatch function applying the transforms on one split: `afterBatch: batchTfmsFn(tfms,
 * { split: 'train' })`. */
export function batchTfmsFn(tfms: readonly BatchTransform[], options?: BatchCallOptions): (batch: Batch) => Batch {
  const fn = 'vision.batchTfmsFn';
  const list = ordered(fn, tfms);
  const split = { split: splitOf(fn, options) };
  return (batch: Batch) => applyBatchTfms(list, batch, split);
}

/** Undoes the transforms that can be undone (Normalize, IntToFloatTensor), in reverse order, for display. */
export function decodeBatchTfms(tfms: readonly BatchTransform[], x: Tensor): Tensor {
  const fn = 'vision.decodeBatchTfms';
  const list = ordered(fn, tfms).reverse();
  checkImageBatch(fn, x, true);
  return named(fn, () => torch.tidy(() => list.reduce((y, t) => t.decode(y), x)));
}
