// The functions the nn layer is built on (PyTorch's torch.nn.functional), with PyTorch's defaults.
// Keyword arguments become an options object: conv2d(x, w, b, { stride: 2, padding: 1 }). Options are
// checked here (unknown keys are typos and refused); tensors and numbers are checked by the native op,
// whose name is the function's own except where `named` says which function was called.
import { native, type Handle } from './native.js';
import { type Tensor, h, oh, wrap, wrapList } from './tensor.js';
import { dtypeCode, isFloating } from './dtype.js';
import { checkArray, checkBool, checkInt, checkOneOf, checkOptions, checkString, checkTensor, fail, named, optBool } from './validate.js';

export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };
function reduction(r: unknown, fn: string): number {
  if (r === undefined || r === null) return REDUCTIONS.mean;
  if (typeof r !== 'string' || !Object.hasOwn(REDUCTIONS, r)) fail(`torch.functional.${fn}`, 'opts.reduction', "'mean', 'sum' or 'none'", r);
  return REDUCTIONS[r as Reduction];
}
/** An optional tensor: null or undefined is none; anything else goes to the native side, which checks it. */
const opt = oh;
/** The options object of function `name` (undefined is {}; unknown keys are refused). */
function opts<T extends object>(name: string, o: T | undefined, known: readonly string[]): T {
  return checkOptions(`torch.functional.${name}`, o, known, 'opts');
}

/** An int or a per-dimension list, expanded to n entries (PyTorch's _pair / _single); errors name fn. */
export function tuple(v: number | readonly number[], n: number, what: string, fn = 'torch.functional.tuple'): number[] {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > 8) fail('torch.functional.tuple', 'n', 'an integer in [1, 8]', n);
  checkString('torch.functional.tuple', 'what', what);
  if (typeof v === 'number' && Number.isFinite(v)) return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every((d) => typeof d === 'number' && Number.isFinite(d))) return [...v];
  return fail(fn, what, `a number or an array of ${n} numbers`, v);
}
/** tuple() for function `name` of this module. */
const tup = (name: string, v: unknown, n: number, what: string): number[] => tuple(v as number, n, what, `torch.functional.${name}`);

export const linear = (x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor => wrap(native.linear(h(x), h(weight), opt(bias)));

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
  groups?: number;
}
const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'] as const;
function conv(kind: 'conv1d' | 'conv2d', n: number, x: Tensor, w: Tensor, b: Tensor | null, options: ConvOptions | undefined): Tensor {
  const o = opts(kind, options, CONV_KEYS);
  const pad = typeof o.padding === 'string' ? o.padding : tup(kind, o.padding ?? 0, n, 'opts.padding');
  return wrap(
    native[kind](h(x), h(w), opt(b), tup(kind, o.stride ?? 1, n, 'opts.stride'), pad, tup(kind, o.dilation ?? 1, n, 'opts.dilation'), o.groups ?? 1),
  );
}
export const conv1d = (x: Tensor, weight: Tensor, bias: Tensor | null = null, o?: ConvOptions): Tensor => conv('conv1d', 1, x, weight, bias, o);
export const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null = null, o?: ConvOptions): Tensor => conv('conv2d', 2, x, weight, bias, o);
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options?: {
    stride?: number | number[];
    padding?: number | number[];
    outputPadding?: number | number[];
    groups?: number;
    dilation?: number | number[];
  },
): Tensor {
  const f = 'convTranspose2d';
  const o = opts(f, options, ['stride', 'padding', 'outputPadding', 'groups', 'dilation']);
  return wrap(
    native.convTranspose2d(
      h(x),
      h(weight),
      opt(bias),
      tup(f, o.stride ?? 1, 2, 'opts.stride'),
      tup(f, o.padding ?? 0, 2, 'opts.padding'),
      tup(f, o.outputPadding ?? 0, 2, 'opts.outputPadding'),
      o.groups ?? 1,
      tup(f, o.dilation ?? 1, 2, 'opts.dilation'),
    ),
  );
}

export interface PoolOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
}
const POOL_KEYS = ['stride', 'padding', 'dilation', 'ceilMode'] as const;
/** Kernel, stride, padding and dilation of an n-d max pooling, checked for function `name`. */
function maxPoolArgs(
  name: string,
  n: number,
  kernelSize: unknown,
  options: PoolOptions | undefined,
): [number[], number[], number[], number[], boolean] {
  const k = tup(name, kernelSize, n, 'kernelSize');
  const o = opts(name, options, POOL_KEYS);
  return [
    k,
    o.stride == null ? k : tup(name, o.stride, n, 'opts.stride'),
    tup(name, o.padding ?? 0, n, 'opts.padding'),
    tup(name, o.dilation ?? 1, n, 'opts.dilation'),
    o.ceilMode ?? false,
  ];
}
export function maxPool1d(x: Tensor, kernelSize: number | number[], o?: PoolOptions): Tensor {
  return wrap(native.maxPool1d(h(x), ...maxPoolArgs('maxPool1d', 1, kernelSize, o)));
}
export function maxPool2d(x: Tensor, kernelSize: number | number[], o?: PoolOptions): Tensor {
  return wrap(native.maxPool2d(h(x), ...maxPoolArgs('maxPool2d', 2, kernelSize, o)));
}
/** max pooling that also returns the argmax indices (for unpooling). */
export function maxPool2dWithIndices(x: Tensor, kernelSize: number | number[], o?: PoolOptions): [Tensor, Tensor] {
  return wrapList(native.maxPool2dWithIndices(h(x), ...maxPoolArgs('maxPool2dWithIndices', 2, kernelSize, o))) as [Tensor, Tensor];
}
export interface AvgPoolOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
}
function avgPoolArgs(
  name: string,
  n: number,
  kernelSize: unknown,
  options: AvgPoolOptions | undefined,
): [number[], number[], number[], boolean, boolean] {
  const k = tup(name, kernelSize, n, 'kernelSize');
  const o = opts(name, options, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
  return [
    k,
    o.stride == null ? k : tup(name, o.stride, n, 'opts.stride'),
    tup(name, o.padding ?? 0, n, 'opts.padding'),
    o.ceilMode ?? false,
    o.countIncludePad ?? true,
  ];
}
export function avgPool1d(x: Tensor, kernelSize: number | number[], o?: AvgPoolOptions): Tensor {
  return wrap(native.avgPool1d(h(x), ...avgPoolArgs('avgPool1d', 1, kernelSize, o)));
}
export function avgPool2d(x: Tensor, kernelSize: number | number[], o?: AvgPoolOptions): Tensor {
  return wrap(native.avgPool2d(h(x), ...avgPoolArgs('avgPool2d', 2, kernelSize, o)));
}
export const adaptiveAvgPool1d = (x: Tensor, outputSize: number | number[]): Tensor =>
  wrap(native.adaptiveAvgPool1d(h(x), tup('adaptiveAvgPool1d', outputSize, 1, 'outputSize')));
export const adaptiveAvgPool2d = (x: Tensor, outputSize: number | number[]): Tensor =>
  wrap(native.adaptiveAvgPool2d(h(x), tup('adaptiveAvgPool2d', outputSize, 2, 'outputSize')));
export const adaptiveMaxPool1d = (x: Tensor, outputSize: number | number[]): Tensor =>
  wrap(native.adaptiveMaxPool1d(h(x), tup('adaptiveMaxPool1d', outputSize, 1, 'outputSize')));
export const adaptiveMaxPool2d = (x: Tensor, outputSize: number | number[]): Tensor =>
  wrap(native.adaptiveMaxPool2d(h(x), tup('adaptiveMaxPool2d', outputSize, 2, 'outputSize')));

/** Batch norm; in training it updates runningMean/runningVar in place (momentum as in PyTorch). */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options?: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number },
): Tensor {
  const o = opts('batchNorm', options, ['weight', 'bias', 'training', 'momentum', 'eps']);
  return wrap(
    native.batchNorm(h(x), opt(o.weight), opt(o.bias), opt(runningMean), opt(runningVar), o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5),
  );
}
export const layerNorm = (
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor =>
  wrap(
    native.layerNorm(
      h(x),
      [...checkArray<number>('torch.functional.layerNorm', 'normalizedShape', normalizedShape, 'an array of integers')],
      opt(weight),
      opt(bias),
      eps,
    ),
  );
export const groupNorm = (x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor =>
  wrap(native.groupNorm(h(x), numGroups, opt(weight), opt(bias), eps));
export const dropout = (x: Tensor, p = 0.5, training = true): Tensor => wrap(native.dropout(h(x), p, training));
/** Rows of weight picked by integer indices; paddingIdx rows get no gradient. */
export const embedding = (input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor =>
  wrap(native.embedding(h(weight), h(input), paddingIdx ?? -1));

/** Resizes 4-d input (N, C, H, W): mode 'nearest' or 'bilinear', by size or scaleFactor. */
export function interpolate(
  x: Tensor,
  options: { size?: number | number[]; scaleFactor?: number | number[]; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean },
): Tensor {
  const fn = 'torch.functional.interpolate';
  checkTensor(fn, 'input', x);
  if (options === undefined) fail(fn, 'opts', 'an options object with size or scaleFactor', options);
  const o = opts('interpolate', options, ['size', 'scaleFactor', 'mode', 'alignCorners']);
  if (x.ndim !== 4) fail(fn, 'input', 'a 4-d tensor (N, C, H, W)', x);
  const mode = o.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') fail(fn, 'opts.mode', "'nearest' or 'bilinear'", mode);
  if ((o.size == null) === (o.scaleFactor == null)) {
    fail(fn, 'opts', 'exactly one of size and scaleFactor', o);
  }
  let size: number[];
  let scales: [number | null, number | null] = [null, null];
  if (o.size != null) {
    size = tup('interpolate', o.size, 2, 'opts.size');
  } else {
    const sf = tup('interpolate', o.scaleFactor, 2, 'opts.scaleFactor');
    if (!(sf[0]! > 0 && sf[1]! > 0)) fail(fn, 'opts.scaleFactor', 'positive numbers', o.scaleFactor);
    size = [Math.floor(x.shape[2]! * sf[0]!), Math.floor(x.shape[3]! * sf[1]!)];
    scales = [sf[0]!, sf[1]!];
  }
  if (mode === 'nearest') {
    if (o.alignCorners != null) fail(fn, 'opts.alignCorners', "nothing in 'nearest' mode (it applies to 'bilinear')", o.alignCorners);
    return named(fn, () => wrap(native.upsampleNearest2d(h(x), size, scales[0], scales[1])));
  }
  return named(fn, () => wrap(native.upsampleBilinear2d(h(x), size, o.alignCorners ?? false, scales[0], scales[1])));
}

// grid_sampler's interpolation and padding modes, in its enums' order (the addon takes the index)
export const GRID_MODES = ['bilinear', 'nearest', 'bicubic'] as const;
export const GRID_PADDING = ['zeros', 'border', 'reflection'] as const;

/** PyTorch's grid_sample: samples input (N, C, H, W) at grid (N, Ho, Wo, 2), whose x, y are in [-1, 1]. */
export function gridSample(
  x: Tensor,
  grid: Tensor,
  options: { mode?: 'bilinear' | 'nearest' | 'bicubic'; paddingMode?: 'zeros' | 'border' | 'reflection'; alignCorners?: boolean } = {},
): Tensor {
  const fn = 'torch.functional.gridSample';
  checkTensor(fn, 'input', x);
  checkTensor(fn, 'grid', grid);
  const o = opts('gridSample', options, ['mode', 'paddingMode', 'alignCorners']);
  if (x.ndim !== 4) fail(fn, 'input', 'a 4-d tensor (N, C, H, W)', x);
  if (grid.ndim !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== x.shape[0]) fail(fn, 'grid', `a tensor (${x.shape[0]}, Ho, Wo, 2)`, grid);
  const mode = checkOneOf(fn, 'opts.mode', o.mode ?? 'bilinear', GRID_MODES);
  const padding = checkOneOf(fn, 'opts.paddingMode', o.paddingMode ?? 'zeros', GRID_PADDING);
  const align = optBool(fn, 'opts.alignCorners', o.alignCorners) ?? false;
  return named(fn, () => wrap(native.gridSampler2d(h(x), h(grid), GRID_MODES.indexOf(mode), GRID_PADDING.indexOf(padding), align)));
}

/** PyTorch's affine_grid: the sampling grid (N, H, W, 2) of affine matrices theta (N, 2, 3) for an output of `size`
 * [N, C, H, W]. */
export function affineGrid(theta: Tensor, size: readonly number[], alignCorners = false): Tensor {
  const fn = 'torch.functional.affineGrid';
  checkTensor(fn, 'theta', theta);
  const s = checkArray<number>(fn, 'size', size, 'an array [N, C, H, W] of positive integers');
  if (s.length !== 4) fail(fn, 'size', 'an array [N, C, H, W] of positive integers', size);
  s.forEach((v, i) => checkInt(fn, `size[${i}]`, v, { min: 1, max: 2 ** 31 - 1 }));
  if (theta.ndim !== 3 || theta.shape[0] !== s[0] || theta.shape[1] !== 2 || theta.shape[2] !== 3)
    fail(fn, 'theta', `a tensor (${s[0]}, 2, 3)`, theta);
  if (!isFloating(theta.dtype)) fail(fn, 'theta', 'a floating-point tensor', theta);
  const align = checkBool(fn, 'alignCorners', alignCorners);
  return named(fn, () => wrap(native.affineGrid(h(theta), [...s], align)));
}

/** Pads the last dims: pad = [left, right, top, bottom, ...]; mode 'constant' | 'reflect' | 'replicate' | 'circular'. */
export function pad(x: Tensor, padding: readonly number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  const pads = checkArray<number>('torch.functional.pad', 'padding', padding, 'an array of integers');
  return wrap(native.pad(h(x), [...pads], mode, mode === 'constant' ? value : null));
}

// ---- losses ----
export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}
/** Cross entropy of logits (N, C, ...) against class indices (N, ...) or class probabilities (N, C, ...). */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const o = opts('crossEntropy', options, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
  return wrap(
    native.crossEntropy(h(input), h(target), opt(o.weight), reduction(o.reduction, 'crossEntropy'), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0),
  );
}
export function nllLoss(input: Tensor, target: Tensor, options?: Omit<CrossEntropyOptions, 'labelSmoothing'>): Tensor {
  const o = opts('nllLoss', options, ['weight', 'ignoreIndex', 'reduction']);
  return wrap(native.nllLoss(h(input), h(target), opt(o.weight), reduction(o.reduction, 'nllLoss'), o.ignoreIndex ?? -100));
}
export function mseLoss(input: Tensor, target: Tensor, options?: { reduction?: Reduction }): Tensor {
  const o = opts('mseLoss', options, ['reduction']);
  return wrap(native.mseLoss(h(input), h(target), reduction(o.reduction, 'mseLoss')));
}
export function l1Loss(input: Tensor, target: Tensor, options?: { reduction?: Reduction }): Tensor {
  const o = opts('l1Loss', options, ['reduction']);
  return wrap(native.l1Loss(h(input), h(target), reduction(o.reduction, 'l1Loss')));
}
export function smoothL1Loss(input: Tensor, target: Tensor, options?: { reduction?: Reduction; beta?: number }): Tensor {
  const o = opts('smoothL1Loss', options, ['reduction', 'beta']);
  return wrap(native.smoothL1Loss(h(input), h(target), reduction(o.reduction, 'smoothL1Loss'), o.beta ?? 1));
}
export function huberLoss(input: Tensor, target: Tensor, options?: { reduction?: Reduction; delta?: number }): Tensor {
  const o = opts('huberLoss', options, ['reduction', 'delta']);
  return wrap(native.huberLoss(h(input), h(target), reduction(o.reduction, 'huberLoss'), o.delta ?? 1));
}
/** Binary cross entropy of probabilities in [0, 1]. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: { weight?: Tensor | null; reduction?: Reduction }): Tensor {
  const o = opts('binaryCrossEntropy', options, ['weight', 'reduction']);
  const r = reduction(o.reduction, 'binaryCrossEntropy');
  return named('torch.functional.binaryCrossEntropy', () => wrap(native.bce(h(input), h(target), opt(o.weight), r)));
}
/** Binary cross entropy of logits (numerically stable). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options?: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction },
): Tensor {
  const o = opts('binaryCrossEntropyWithLogits', options, ['weight', 'posWeight', 'reduction']);
  const r = reduction(o.reduction, 'binaryCrossEntropyWithLogits');
  return named('torch.functional.binaryCrossEntropyWithLogits', () =>
    wrap(native.bceWithLogits(h(input), h(target), opt(o.weight), opt(o.posWeight), r)),
  );
}
/** KL divergence of log-probabilities input from target; 'batchmean' divides the sum by the batch size
 * (the mathematically correct mean, PyTorch's recommendation). */
export function klDiv(input: Tensor, target: Tensor, options?: { reduction?: Reduction | 'batchmean'; logTarget?: boolean }): Tensor {
  const o = opts('klDiv', options, ['reduction', 'logTarget']);
  if (o.reduction === 'batchmean') {
    checkTensor('torch.functional.klDiv', 'input', input);
    const sum = wrap(native.klDiv(h(input), h(target), REDUCTIONS.sum, o.logTarget ?? false));
    if (input.ndim === 0) return sum;
    try {
      return sum.div(input.shape[0]!);
    } finally {
      sum.dispose();
    }
  }
  return wrap(native.klDiv(h(input), h(target), reduction(o.reduction, 'klDiv'), o.logTarget ?? false));
}

/**
 * softmax(q kᵀ · scale + mask) v. The fused kernel where libtorch has one (2.1+), else the matmul/softmax
 * path. A boolean mask marks the positions that may be attended to; a float mask is added.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null },
): Tensor {
  const o = opts('scaledDotProductAttention', options, ['attnMask', 'dropoutP', 'isCausal', 'scale']);
  return named('torch.functional.scaledDotProductAttention', () =>
    wrap(native.sdpa(h(q), h(k), h(v), opt(o.attnMask), o.dropoutP ?? 0, o.isCausal ?? false, o.scale ?? null)),
  );
}

/** x1ᵀ A x2 + b for each output feature (weight [out, in1, in2]). */
export const bilinear = (x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor =>
  wrap(native.bilinear(h(x1), h(x2), h(weight), opt(bias)));

/** Normalizes each sample's channels over their spatial dims; running statistics only when given. */
export function instanceNorm(
  x: Tensor,
  options?: {
    runningMean?: Tensor | null;
    runningVar?: Tensor | null;
    weight?: Tensor | null;
    bias?: Tensor | null;
    useInputStats?: boolean;
    momentum?: number;
    eps?: number;
  },
): Tensor {
  const o = opts('instanceNorm', options, ['runningMean', 'runningVar', 'weight', 'bias', 'useInputStats', 'momentum', 'eps']);
  return wrap(
    native.instanceNorm(
      h(x),
      opt(o.weight),
      opt(o.bias),
      opt(o.runningMean),
      opt(o.runningVar),
      o.useInputStats ?? true,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

/** Zeroes whole channels (dim 1) with probability p, scaling the rest by 1 / (1 - p). */
export const dropout2d = (x: Tensor, p = 0.5, training = true): Tensor =>
  named('torch.functional.dropout2d', () => wrap(native.featureDropout(h(x), p, training)));

const BAG_MODES = { sum: 0, mean: 1, max: 2 } as const;
/** Sums, means or maxes of embedding rows per bag: a 2-d input is one bag per row; a 1-d input is cut by offsets. */
export function embeddingBag(
  input: Tensor,
  weight: Tensor,
  options?: { offsets?: Tensor | null; mode?: 'sum' | 'mean' | 'max'; perSampleWeights?: Tensor | null; paddingIdx?: number | null },
): Tensor {
  const fn = 'torch.functional.embeddingBag';
  checkTensor(fn, 'input', input);
  const o = opts('embeddingBag', options, ['offsets', 'mode', 'perSampleWeights', 'paddingIdx']);
  const m = o.mode ?? 'mean';
  if (typeof m !== 'string' || !Object.hasOwn(BAG_MODES, m)) fail(fn, 'opts.mode', "'sum', 'mean' or 'max'", m);
  const mode = BAG_MODES[m];
  if (input.ndim === 2) {
    if (o.offsets != null) fail(fn, 'opts.offsets', 'none with a 2-d input (already one bag per row; offsets go with a 1-d input)', o.offsets);
    if (o.perSampleWeights != null) checkTensor(fn, 'opts.perSampleWeights', o.perSampleWeights);
    const [bags, len] = input.shape as [number, number];
    return named(fn, () => {
      const flat = input.reshape(-1);
      const offsets = wrap(native.arange(0, bags * len, len, dtypeCode('int64'), input.device));
      const psw = o.perSampleWeights ? o.perSampleWeights.reshape(-1) : null;
      try {
        return wrap(native.embeddingBag(h(weight), h(flat), h(offsets), mode, opt(psw), o.paddingIdx ?? null));
      } finally {
        flat.dispose();
        offsets.dispose();
        psw?.dispose();
      }
    });
  }
  if (input.ndim !== 1 || o.offsets == null) fail(fn, 'input', 'a 2-d tensor, or a 1-d tensor with opts.offsets', input);
  return wrap(native.embeddingBag(h(weight), h(input), h(o.offsets), mode, opt(o.perSampleWeights), o.paddingIdx ?? null));
}

export interface RnnOptions {
  hasBiases: boolean;
  numLayers: number;
  dropout: number;
  training: boolean;
  bidirectional: boolean;
  batchFirst: boolean;
}
const RNN_KEYS = ['hasBiases', 'numLayers', 'dropout', 'training', 'bidirectional', 'batchFirst'] as const;
function rnnOptions(name: string, options: RnnOptions): RnnOptions {
  if (options === undefined) fail(`torch.functional.${name}`, 'opts', `an options object { ${RNN_KEYS.join(', ')} }`, options);
  return opts(name, options, RNN_KEYS);
}
const tensorList = (name: string, arg: string, ts: unknown): Handle[] =>
  checkArray<Tensor>(`torch.functional.${name}`, arg, ts, 'an array of tensors').map(h);

/** libtorch's fused LSTM: params are [w_ih, w_hh, b_ih, b_hh] per layer and direction. Returns [output, h, c]. */
export function lstm(input: Tensor, hx: [Tensor, Tensor], params: Tensor[], options: RnnOptions): [Tensor, Tensor, Tensor] {
  const o = rnnOptions('lstm', options);
  return wrapList(
    native.lstm(
      h(input),
      tensorList('lstm', 'hx', hx),
      tensorList('lstm', 'params', params),
      o.hasBiases,
      o.numLayers,
      o.dropout,
      o.training,
      o.bidirectional,
      o.batchFirst,
    ),
  ) as [Tensor, Tensor, Tensor];
}
/** libtorch's fused GRU. Returns [output, h]. */
export function gru(input: Tensor, h0: Tensor, params: Tensor[], options: RnnOptions): [Tensor, Tensor] {
  const o = rnnOptions('gru', options);
  return wrapList(
    native.gru(h(input), h(h0), tensorList('gru', 'params', params), o.hasBiases, o.numLayers, o.dropout, o.training, o.bidirectional, o.batchFirst),
  ) as [Tensor, Tensor];
}
