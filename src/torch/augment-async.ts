// The image loader's batch augmentation (IntToFloatTensor, the affine/homography resample, the logit-space
// lighting) as one addon op on a libuv worker thread, so that it overlaps the training step. The draws (matrices,
// lighting values) are made on the JS thread beforehand; the op only computes, with the same libtorch calls as the
// JS path (src/vision/normalize.ts, affine.ts, lighting.ts), so its result is bitwise the JS path's. Internal:
// src/vision imports it by path.
import { isFloating } from './dtype.js';
import { FlintError, TorchError } from './errors.js';
import { native } from './native.js';
import type { Handle } from './native-api.js';
import { Tensor } from './tensor.js';
import { GRID_MODES, GRID_PADDING } from './functional.js';
import { checkArray, checkBool, checkInt, checkNumber, checkOneOf, checkOptions, checkTensor, fail, named } from './validate.js';

export type AugmentMode = (typeof GRID_MODES)[number];
export type AugmentPadMode = (typeof GRID_PADDING)[number];
const MAX_SIDE = 32768;
const SPEC_KEYS = ['div', 'mat', 'coord', 'size', 'mode', 'padMode', 'alignCorners', 'logitOps'] as const;

export interface AugmentSpec {
  /** IntToFloatTensor's divisor; null: the batch is used as it is (it must then be floating-point). */
  div: number | null;
  /** AffineCoordTfm's (N, 3, 3) affine matrices (its `matrices().mat`); null: no resample. */
  mat: Tensor | null;
  /** The (N, 3, 3) homography of the coordinate transforms (`matrices().coord`), or null. */
  coord: Tensor | null;
  /** The resampled output's [h, w] (ignored without mat). */
  size: [number, number];
  mode: AugmentMode;
  padMode: AugmentPadMode;
  alignCorners: boolean;
  /** The lighting, in order, on the logits: y.add_(t) or y.mul_(t), t (N, 1, 1, 1); null: no lighting. */
  logitOps: ['add' | 'mul', Tensor][] | null;
}

/** fastai's _grid_sample shrink factor d for an input of height hIn and width wIn sampled to an output of width w:
 * min(H / grid.shape[-2], W / grid.shape[-1]) / 2 on its (N, h, w, 2) grid, i.e. H/w and W/2, kept as fastai has it.
 * Past 1 a bilinear resample may area-average first (AffineCoordTfm.resample). */
export function preShrinkFactor(hIn: number, wIn: number, w: number): number {
  return Math.min(hIn / w, wIn / 2) / 2;
}

/** Whether the bilinear resample may area-average first (d > 1): the op does not do that, so the caller keeps the JS
 * path then. */
export function augmentPreShrinks(hIn: number, wIn: number, w: number, mode: AugmentMode): boolean {
  return mode === 'bilinear' && preShrinkFactor(hIn, wIn, w) > 1;
}

function checkMat(fn: string, arg: string, v: unknown, n: number): Tensor | null {
  if (v === null) return null;
  checkTensor(fn, arg, v);
  const t = v as Tensor;
  if (t.ndim !== 3 || t.shape[0] !== n || t.shape[1] !== 3 || t.shape[2] !== 3 || !isFloating(t.dtype))
    fail(fn, arg, `a floating-point tensor (${n}, 3, 3) or null`, v);
  return t;
}

function checkLogitOps(fn: string, v: unknown, n: number): [boolean, Tensor][] | null {
  if (v === null) return null;
  return checkArray<unknown>(fn, 'spec.logitOps', v, "an array of ['add' | 'mul', tensor] pairs or null").map((e, i) => {
    const arg = `spec.logitOps[${i}]`;
    if (!Array.isArray(e) || e.length !== 2) fail(fn, arg, "an ['add' | 'mul', tensor] pair", e);
    const pair = e as unknown[];
    const op = checkOneOf(fn, `${arg}[0]`, pair[0], ['add', 'mul'] as const);
    checkTensor(fn, `${arg}[1]`, pair[1]);
    const t = pair[1] as Tensor;
    if (t.ndim !== 4 || t.shape[0] !== n || t.shape[1] !== 1 || t.shape[2] !== 1 || t.shape[3] !== 1)
      fail(fn, `${arg}[1]`, `a tensor (${n}, 1, 1, 1)`, t);
    return [op === 'add', t];
  });
}

/**
 * IntToFloatTensor (x / div), then AffineCoordTfm's resample with the given matrices (when mat), then LightingTfm's
 * logit-space ops (when logitOps), off the JS thread: resolves to a new tensor, bitwise the JS path's for the same
 * draws. The inputs are held until it settles (disposing them meanwhile is safe; changing them in place is not).
 * Argument errors throw synchronously; a libtorch failure rejects with a TorchError naming torch.augmentAsync.
 */
export function augmentAsync(x: Tensor, spec: AugmentSpec): Promise<Tensor> {
  const fn = 'torch.augmentAsync';
  checkTensor(fn, 'x', x);
  if (x.ndim !== 4 || x.shape.some((d) => d === 0) || !(x.dtype === 'uint8' || isFloating(x.dtype)))
    fail(fn, 'x', 'a non-empty uint8 or floating-point image batch (N, C, H, W)', x);
  if (spec === undefined) fail(fn, 'spec', 'an options object', spec);
  const o = checkOptions(fn, spec, SPEC_KEYS, 'spec');
  for (const k of SPEC_KEYS) if (!(k in o)) fail(fn, `spec.${k}`, 'a value (every field of the spec is required)', undefined);
  const [n, , hIn, wIn] = x.shape as [number, number, number, number];
  const div = o.div === null ? null : checkNumber(fn, 'spec.div', o.div, { gt: 0 });
  if (div === null && !isFloating(x.dtype)) fail(fn, 'spec.div', 'a divisor (x is not floating-point)', null);
  const mat = checkMat(fn, 'spec.mat', o.mat, n);
  const coord = checkMat(fn, 'spec.coord', o.coord, n);
  if (coord !== null && mat === null) fail(fn, 'spec.coord', 'null (there is no spec.mat)', coord);
  const size = checkArray<number>(fn, 'spec.size', o.size, 'an array [h, w] of positive integers');
  if (size.length !== 2) fail(fn, 'spec.size', 'an array [h, w] of positive integers', o.size);
  const h = checkInt(fn, 'spec.size[0]', size[0], { min: 1, max: MAX_SIDE });
  const w = checkInt(fn, 'spec.size[1]', size[1], { min: 1, max: MAX_SIDE });
  const mode = checkOneOf(fn, 'spec.mode', o.mode, GRID_MODES);
  const padMode = checkOneOf(fn, 'spec.padMode', o.padMode, GRID_PADDING);
  const alignCorners = checkBool(fn, 'spec.alignCorners', o.alignCorners);
  if (mat !== null && augmentPreShrinks(hIn, wIn, w, mode))
    fail(fn, 'spec.size', `an output the bilinear resample of a ${hIn}x${wIn} input takes without pre-shrinking (d <= 1)`, o.size);
  const ops = checkLogitOps(fn, o.logitOps, n);
  const nativeOps = ops === null ? null : ops.map(([add, t]) => [add ? 'add' : 'mul', t._h] as ['add' | 'mul', Handle]);
  const p = named(fn, () =>
    native.augmentAsync(
      x._h,
      div,
      mat?._h ?? null,
      coord?._h ?? null,
      h,
      w,
      GRID_MODES.indexOf(mode),
      GRID_PADDING.indexOf(padMode),
      alignCorners,
      nativeOps,
    ),
  );
  return settle(fn, p);
}

async function settle(fn: string, p: Promise<Handle>): Promise<Tensor> {
  let h: Handle;
  try {
    h = await p;
  } catch (e) {
    if (e instanceof FlintError) throw e;
    throw new TorchError(`${fn}: ${e instanceof Error ? e.message : String(e)}`, { op: 'augmentAsync', cause: e });
  }
  // made here, after the await, so the tensor belongs to the caller's current scope
  return new Tensor(h);
}
