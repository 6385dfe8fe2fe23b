// fastai's AffineCoordTfm and its kinds (Flip, Rotate, Zoom, Warp), fused: the affine matrices of a batch compose
// into one 3x3 matrix per image, the warp's perspective map composes onto it (one homography per image), and the
// batch is resampled once with grid_sample, as fastai's setup_aug_tfms arranges. The draws are fastai's, in its
// order (flip, rotate, zoom and its centre, then the warp), from libtorch's generator on the batch's device.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import * as F from '../torch/functional.js';
import { checkBool, checkInt, checkNumber, checkOneOf, checkOptions, checkArray, checkFunction, fail, isTensorLike } from '../torch/validate.js';
import { BatchTransform, type BatchCallOptions, type BatchSplit, checkImageBatch, splitOf } from './batch-transform.js';
import { type Draw, checkDraw, drawMask, uniform } from './draws.js';
import { affineMat, warpHomography } from './homography.js';
import { shapeOnlyDraw } from './fusable.js';
import { preShrinkFactor } from '../torch/augment-async.js';

export type AffineMode = 'bilinear' | 'nearest' | 'bicubic';
export type AffinePadMode = 'reflection' | 'border' | 'zeros';
const MODES: readonly AffineMode[] = ['bilinear', 'nearest', 'bicubic'];
const PAD_MODES: readonly AffinePadMode[] = ['reflection', 'border', 'zeros'];
const MAX_SIDE = 32768;

/** A function of the batch returning its (N, 3, 3) matrices (an affine map, or a homography for coordFs). */
export type MatFn = (x: Tensor) => Tensor;

export interface ResampleOptions {
  /** The output's size (a side, or [h, w]); null keeps the input's. */
  size?: number | readonly [number, number] | null;
  mode?: AffineMode;
  padMode?: AffinePadMode;
  alignCorners?: boolean;
}
export interface AffineCoordOptions extends ResampleOptions {
  /** Affine matrices, multiplied in order (fastai's aff_fs); run on the training split only. */
  affFs?: readonly MatFn[];
  /** Homographies of the coordinates, applied after the affine map in order (fastai's coord_fs, here
   * perspective maps); drawn on both splits, applied on the training split only. */
  coordFs?: readonly MatFn[];
}
/** The options every kind shares: its probability, one draw per image or per batch, and the resampling. */
export interface RandomAffineOptions extends ResampleOptions {
  p?: number;
  batch?: boolean;
}

const RESAMPLE_KEYS = ['size', 'mode', 'padMode', 'alignCorners'] as const;
const RANDOM_KEYS = [...RESAMPLE_KEYS, 'p', 'batch'] as const;

function checkSize(fn: string, v: unknown): [number, number] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') {
    const s = checkInt(fn, 'options.size', v, { min: 1, max: MAX_SIDE });
    return [s, s];
  }
  const a = checkArray<number>(fn, 'options.size', v, 'a positive integer or [h, w]');
  if (a.length !== 2) fail(fn, 'options.size', 'a positive integer or [h, w]', v);
  return [checkInt(fn, 'options.size[0]', a[0], { min: 1, max: MAX_SIDE }), checkInt(fn, 'options.size[1]', a[1], { min: 1, max: MAX_SIDE })];
}

function checkFns(fn: string, arg: string, v: unknown): MatFn[] {
  if (v === undefined) return [];
  return checkArray<MatFn>(fn, arg, v, 'an array of functions').map((f, i) => checkFunction<MatFn>(fn, `${arg}[${i}]`, f));
}

/** The matrices of one call: `mat` (N, 3, 3), the affine map after fastai's aspect fix (identity on the validation
 * split), and `coord` (N, 3, 3), the composed homography of the coordinate transforms (null when there is none or
 * on the validation split). */
export interface AffineMatrices {
  mat: Tensor;
  coord: Tensor | null;
}

export class AffineCoordTfm extends BatchTransform {
  readonly order = 30;
  readonly splitIdx = null;
  protected readonly fn: string;
  readonly affFs: readonly MatFn[];
  readonly coordFs: readonly MatFn[];
  readonly size: [number, number] | null;
  readonly mode: AffineMode;
  readonly padMode: AffinePadMode;
  readonly alignCorners: boolean;

  constructor(options?: AffineCoordOptions, fn = 'vision.AffineCoordTfm') {
    super();
    this.fn = fn;
    const keys = fn === 'vision.AffineCoordTfm' ? ['affFs', 'coordFs', ...RESAMPLE_KEYS] : null;
    const o = checkOptions(fn, options, keys ?? undefined);
    this.affFs = checkFns(fn, 'options.affFs', o.affFs);
    this.coordFs = checkFns(fn, 'options.coordFs', o.coordFs);
    this.size = checkSize(fn, o.size);
    this.mode = o.mode === undefined ? 'bilinear' : checkOneOf(fn, 'options.mode', o.mode, MODES);
    this.padMode = o.padMode === undefined ? 'reflection' : checkOneOf(fn, 'options.padMode', o.padMode, PAD_MODES);
    this.alignCorners = o.alignCorners === undefined ? true : checkBool(fn, 'options.alignCorners', o.alignCorners);
  }

  /** One transform doing both (fastai's compose): this one's matrices then other's, this one's resampling. */
  compose(other: AffineCoordTfm): AffineCoordTfm {
    if (!(other instanceof AffineCoordTfm)) fail(`${this.fn}.compose`, 'other', 'an AffineCoordTfm (Flip, Rotate, Zoom, Warp...)', other);
    return new AffineCoordTfm({
      affFs: [...this.affFs, ...other.affFs],
      coordFs: [...this.coordFs, ...other.coordFs],
      size: this.size,
      mode: this.mode,
      padMode: this.padMode,
      alignCorners: this.alignCorners,
    });
  }

  /** Draws this batch's matrices (the draws a call makes, in its order). */
  matrices(x: Tensor, options?: BatchCallOptions): AffineMatrices {
    const fn = `${this.fn}.matrices`;
    const split = splitOf(fn, options);
    checkImageBatch(fn, x);
    return torch.tidy(() => this.draw(fn, x, split));
  }

  protected override beforeCall(x: Tensor, split: BatchSplit): AffineMatrices {
    return this.draw(`${this.fn}.apply`, x, split);
  }

  protected encodes(x: Tensor, _split: BatchSplit, draws: unknown): Tensor {
    const { mat, coord } = draws as AffineMatrices;
    return this.resample(x, mat, coord);
  }

  private draw(fn: string, x: Tensor, split: BatchSplit): AffineMatrices {
    const [n, , h, w] = x.shape as [number, number, number, number];
    const dt = { dtype: x.dtype, device: x.device };
    let m = torch.eye(3, dt).unsqueeze(0).expand([n, 3, 3]);
    if (split === 'train') {
      for (const f of this.affFs) m = m.matmul(checkMat(fn, 'options.affFs', f(x), n, x));
    }
    // fastai's _prepare_mat: the map works in [-1, 1]² of a h x w image, so the shear terms carry the aspect
    const fix = torch.tensor(
      [
        [1, h / w, 1],
        [w / h, 1, 1],
        [1, 1, 1],
      ],
      dt,
    );
    const mat = m.mul(fix);
    let coord: Tensor | null = null;
    for (const f of this.coordFs) {
      const c = checkMat(fn, 'options.coordFs', f(x), n, x);
      coord = coord === null ? c : c.matmul(coord);
    }
    return { mat, coord: split === 'train' ? coord : null };
  }

  private resample(x: Tensor, mat: Tensor, coord: Tensor | null): Tensor {
    const [n, ch, hIn, wIn] = x.shape as [number, number, number, number];
    const [h, w] = this.size ?? [hIn, wIn];
    const align = this.alignCorners;
    let grid: Tensor;
    if (coord === null) {
      grid = F.affineGrid(mat.narrow(1, 0, 2), [n, ch, h, w], align);
    } else {
      const dt = { dtype: x.dtype, device: x.device };
      // the output pixels as columns [x; y; 1] (3, h·w), so that every image's map is one (3, 3) x (3, h·w) product
      // and the batch one matrix product, with no per-image copy of the points (2.5x faster than points as rows)
      const base = F.affineGrid(torch.eye(3, dt).narrow(0, 0, 2).unsqueeze(0), [1, 1, h, w], align)
        .reshape([h * w, 2])
        .t();
      const pts = torch.cat([base, torch.ones([1, h * w], dt)], 0);
      const hom = coord.matmul(mat);
      // fastai leaves the coordinates affine when any denominator of the batch is 0: chosen on the device
      const den = hom.narrow(1, 2, 1).matmul(pts);
      const use = torch.where(den.eq(0).any(), mat, hom);
      const p = use.matmul(pts);
      // (n, 2, h, w) viewed as the (n, h, w, 2) grid: grid_sample reads it by strides as fast as a contiguous one
      grid = p
        .narrow(1, 0, 2)
        .div(p.narrow(1, 2, 1))
        .reshape([n, 2, h, w])
        .permute([0, 2, 3, 1]);
    }
    let src = x;
    if (this.mode === 'bilinear') {
      // fastai's _grid_sample: shrinking over 2x more than the zoom compensates, area-average first
      const d = preShrinkFactor(hIn, wIn, w);
      if (d > 1) {
        const z = (1 / grid.max().sub(grid.min()).item()) * 2;
        if (d > z) src = F.adaptiveAvgPool2d(x, [Math.floor(hIn * (1 / d)), Math.floor(wIn * (1 / d))]);
      }
    }
    return F.gridSample(src, grid, { mode: this.mode, paddingMode: this.padMode, alignCorners: align });
  }
}

function checkMat(fn: string, arg: string, m: unknown, n: number, x: Tensor): Tensor {
  const t = m as Tensor;
  if (!isTensorLike(m) || t.isDisposed || t.ndim !== 3 || t.shape[0] !== n || t.shape[1] !== 3 || t.shape[2] !== 3)
    fail(fn, arg, `functions returning a tensor (${n}, 3, 3)`, m);
  return t.dtype === x.dtype && t.device === x.device ? t : t.to({ dtype: x.dtype as 'float32', device: x.device });
}

function randomOpts<T extends RandomAffineOptions>(fn: string, options: T | undefined, keys: readonly string[], pDefault: number) {
  const o = checkOptions(fn, options, [...RANDOM_KEYS, ...keys]);
  const p = o.p === undefined ? pDefault : checkNumber(fn, 'options.p', o.p, { min: 0, max: 1 });
  const batch = o.batch === undefined ? false : checkBool(fn, 'options.batch', o.batch);
  const resample: ResampleOptions = { size: o.size, mode: o.mode, padMode: o.padMode, alignCorners: o.alignCorners };
  return { o, p, batch, resample };
}

export interface FlipOptions extends RandomAffineOptions {
  /** 1 flips, 0 does not (fastai's draw). */
  draw?: Draw;
}
/** fastai's Flip: a horizontal flip of each image with probability p (0.5). */
export class Flip extends AffineCoordTfm {
  constructor(options?: FlipOptions) {
    const fn = 'vision.Flip';
    const { o, p, batch, resample } = randomOpts(fn, options, ['draw'], 0.5);
    const draw = checkDraw(fn, 'options.draw', o.draw);
    const flipMat: MatFn = (x) => {
      const m = drawMask(x, {
        fn,
        arg: 'options.draw',
        def: (t) => torch.ones([batch ? 1 : t.shape[0]!], { dtype: t.dtype, device: t.device }).expand([t.shape[0]!]),
        draw,
        p,
        neutral: 0,
        batch,
      });
      const f = torch.onesLike(m).sub(m.mul(2));
      const zero = torch.zerosLike(f);
      return affineMat([f, zero, zero, zero, torch.onesLike(f), zero]);
    };
    super({ ...resample, affFs: [shapeOnlyDraw(flipMat, [draw])] }, fn);
  }
}

export interface RotateOptions extends RandomAffineOptions {
  maxDeg?: number;
  /** The angles in degrees. */
  draw?: Draw;
}
/** fastai's Rotate: a rotation by U(−maxDeg, maxDeg) degrees with probability p (0.5). */
export class Rotate extends AffineCoordTfm {
  constructor(options?: RotateOptions) {
    const fn = 'vision.Rotate';
    const { o, p, batch, resample } = randomOpts(fn, options, ['maxDeg', 'draw'], 0.5);
    const maxDeg = o.maxDeg === undefined ? 10 : checkNumber(fn, 'options.maxDeg', o.maxDeg, { min: 0 });
    const draw = checkDraw(fn, 'options.draw', o.draw);
    const rotateMat: MatFn = (x) => {
      const deg = drawMask(x, { fn, arg: 'options.draw', def: (t) => uniform(t, -maxDeg, maxDeg, batch), draw, p, neutral: 0, batch });
      const th = deg.mul(Math.PI / 180);
      const cos = th.cos();
      const sin = th.sin();
      const zero = torch.zerosLike(th);
      return affineMat([cos, sin, zero, sin.neg(), cos, zero]);
    };
    super({ ...resample, affFs: [shapeOnlyDraw(rotateMat, [draw])] }, fn);
  }
}

export interface ZoomOptions extends RandomAffineOptions {
  minZoom?: number;
  maxZoom?: number;
  /** The zoom factors. */
  draw?: Draw;
  /** The centre's position in [0, 1] across (drawX) and down (drawY). */
  drawX?: Draw;
  drawY?: Draw;
}
/** fastai's Zoom: a zoom by U(minZoom, maxZoom) towards a random centre, with probability p (0.5). */
export class Zoom extends AffineCoordTfm {
  constructor(options?: ZoomOptions) {
    const fn = 'vision.Zoom';
    const { o, p, batch, resample } = randomOpts(fn, options, ['minZoom', 'maxZoom', 'draw', 'drawX', 'drawY'], 0.5);
    const minZoom = o.minZoom === undefined ? 1 : checkNumber(fn, 'options.minZoom', o.minZoom, { gt: 0 });
    const maxZoom = o.maxZoom === undefined ? 1.1 : checkNumber(fn, 'options.maxZoom', o.maxZoom, { gt: 0 });
    if (minZoom > maxZoom) fail(fn, 'options.maxZoom', `a number >= minZoom (${minZoom})`, maxZoom);
    const draw = checkDraw(fn, 'options.draw', o.draw);
    const drawX = checkDraw(fn, 'options.drawX', o.drawX);
    const drawY = checkDraw(fn, 'options.drawY', o.drawY);
    const zoomMat: MatFn = (x) => {
      const z = drawMask(x, { fn, arg: 'options.draw', def: (t) => uniform(t, minZoom, maxZoom, batch), draw, p, neutral: 1, batch });
      const s = z.reciprocal();
      const centre = (d: Draw | undefined, arg: string): Tensor =>
        drawMask(x, { fn, arg, def: (t) => uniform(t, 0, 1, batch), draw: d, p: 1, neutral: 0, batch });
      const cx = centre(drawX, 'options.drawX');
      const cy = centre(drawY, 'options.drawY');
      const rest = s.neg().add(1);
      const zero = torch.zerosLike(s);
      return affineMat([s, zero, rest.mul(cx.mul(2).sub(1)), zero, s, rest.mul(cy.mul(2).sub(1))]);
    };
    super({ ...resample, affFs: [shapeOnlyDraw(zoomMat, [draw, drawX, drawY])] }, fn);
  }
}

export interface WarpOptions extends RandomAffineOptions {
  magnitude?: number;
  /** The horizontal and vertical warp magnitudes. */
  drawX?: Draw;
  drawY?: Draw;
}
/** fastai's Warp: a perspective warp of magnitudes U(−magnitude, magnitude) each way, each with probability p (0.5). */
export class Warp extends AffineCoordTfm {
  constructor(options?: WarpOptions) {
    const fn = 'vision.Warp';
    const { o, p, batch, resample } = randomOpts(fn, options, ['magnitude', 'drawX', 'drawY'], 0.5);
    // past 0.5 the warped corners can cross and the map stops being a warp of the image
    const magnitude = o.magnitude === undefined ? 0.2 : checkNumber(fn, 'options.magnitude', o.magnitude, { min: 0, max: 0.5 });
    const drawX = checkDraw(fn, 'options.drawX', o.drawX);
    const drawY = checkDraw(fn, 'options.drawY', o.drawY);
    const warpCoord: MatFn = (x) => {
      const one = (d: Draw | undefined, arg: string): Tensor =>
        drawMask(x, { fn, arg, def: (t) => uniform(t, -magnitude, magnitude, batch), draw: d, p, neutral: 0, batch });
      const xt = one(drawX, 'options.drawX');
      const yt = one(drawY, 'options.drawY');
      return warpHomography(xt, yt);
    };
    super({ ...resample, coordFs: [shapeOnlyDraw(warpCoord, [drawX, drawY])] }, fn);
  }
}

export interface DihedralOptions extends RandomAffineOptions {
  /** Which of the 8 symmetries of the square, 0 (identity) to 7 (fastai's index). */
  draw?: Draw;
}
// fastai's dihedral_mat tables: for index k, the map [[xs·m0, xs·m1], [ys·m1, ys·m0]]
const DIHEDRAL = {
  xs: [1, -1, 1, -1, -1, 1, 1, -1],
  ys: [1, 1, -1, 1, -1, -1, 1, -1],
  m0: [1, 1, 1, 0, 1, 0, 0, 0],
  m1: [0, 0, 0, 1, 0, 1, 1, 1],
};
/** fastai's Dihedral: one of the 8 flips/rotations by multiples of 90° of the square, with probability p (0.5);
 * what augTransforms uses for flipVert. */
export class Dihedral extends AffineCoordTfm {
  constructor(options?: DihedralOptions) {
    const fn = 'vision.Dihedral';
    const { o, p, batch, resample } = randomOpts(fn, options, ['draw'], 0.5);
    const draw = checkDraw(fn, 'options.draw', o.draw);
    if (Array.isArray(draw) || typeof draw === 'number')
      [draw].flat().forEach((k, i) => checkInt(fn, Array.isArray(draw) ? `options.draw[${i}]` : 'options.draw', k, { min: 0, max: 7 }));
    const dihedralMat: MatFn = (x) => {
      const n = x.shape[0]!;
      const def = (t: Tensor): Tensor =>
        torch
          .randint(0, 8, [batch ? 1 : n], { device: t.device })
          .to({ dtype: t.dtype as 'float32' })
          .expand([n]);
      const idx = drawMask(x, { fn, arg: 'options.draw', def, draw, p, neutral: 0, batch }).round().clamp(0, 7).long();
      const pick = (table: number[]): Tensor => torch.tensor(table, { dtype: x.dtype as 'float32', device: x.device }).gather(0, idx);
      const xs = pick(DIHEDRAL.xs);
      const ys = pick(DIHEDRAL.ys);
      const m0 = pick(DIHEDRAL.m0);
      const m1 = pick(DIHEDRAL.m1);
      const zero = torch.zerosLike(xs);
      return affineMat([xs.mul(m0), xs.mul(m1), zero, ys.mul(m1), ys.mul(m0), zero]);
    };
    super({ ...resample, affFs: [shapeOnlyDraw(dihedralMat, [draw])] }, fn);
  }
}
