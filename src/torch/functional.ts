// The functions the nn layer is built on (PyTorch's torch.nn.functional), with PyTorch's defaults.
// Keyword arguments become an options object: conv2d(x, w, b, { stride: 2, padding: 1 }).
import { native } from './native.js';
import { Tensor, op, wrap, wrapList } from './tensor.js';
import { TorchError } from './errors.js';
import { dtypeCode } from './dtype.js';

export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };
function reduction(r: Reduction | undefined, fn: string): number {
  const code = REDUCTIONS[r ?? 'mean'];
  if (code === undefined) throw new TorchError(`${fn}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`, { op: fn });
  return code;
}
const opt = (t: Tensor | null | undefined): unknown => (t ? op(t) : null);

/** An int or a per-dimension list, expanded to n entries (PyTorch's _pair / _single). */
export function tuple(v: number | readonly number[], n: number, what: string): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n) return [...v];
  throw new TorchError(`${what} must be a number or an array of ${n} numbers, got ${JSON.stringify(v)}`);
}

export const linear = (x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor =>
  wrap(native.linear(op(x), op(weight), opt(bias)));

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
  groups?: number;
}
function conv(kind: 'conv1d' | 'conv2d', n: number, x: Tensor, w: Tensor, b: Tensor | null, o: ConvOptions): Tensor {
  const pad = typeof o.padding === 'string' ? o.padding : tuple(o.padding ?? 0, n, `${kind} padding`);
  return wrap(native[kind](op(x), op(w), opt(b), tuple(o.stride ?? 1, n, `${kind} stride`), pad,
    tuple(o.dilation ?? 1, n, `${kind} dilation`), o.groups ?? 1));
}
export const conv1d = (x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvOptions = {}): Tensor => conv('conv1d', 1, x, weight, bias, o);
export const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvOptions = {}): Tensor => conv('conv2d', 2, x, weight, bias, o);
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null,
  o: { stride?: number | number[]; padding?: number | number[]; outputPadding?: number | number[]; groups?: number; dilation?: number | number[] } = {}): Tensor {
  return wrap(native.convTranspose2d(op(x), op(weight), opt(bias), tuple(o.stride ?? 1, 2, 'stride'), tuple(o.padding ?? 0, 2, 'padding'),
    tuple(o.outputPadding ?? 0, 2, 'outputPadding'), o.groups ?? 1, tuple(o.dilation ?? 1, 2, 'dilation')));
}

export interface PoolOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
}
export function maxPool1d(x: Tensor, kernelSize: number | number[], o: PoolOptions = {}): Tensor {
  const k = tuple(kernelSize, 1, 'kernelSize');
  return wrap(native.maxPool1d(op(x), k, o.stride == null ? k : tuple(o.stride, 1, 'stride'), tuple(o.padding ?? 0, 1, 'padding'),
    tuple(o.dilation ?? 1, 1, 'dilation'), o.ceilMode ?? false));
}
export function maxPool2d(x: Tensor, kernelSize: number | number[], o: PoolOptions = {}): Tensor {
  const k = tuple(kernelSize, 2, 'kernelSize');
  return wrap(native.maxPool2d(op(x), k, o.stride == null ? k : tuple(o.stride, 2, 'stride'), tuple(o.padding ?? 0, 2, 'padding'),
    tuple(o.dilation ?? 1, 2, 'dilation'), o.ceilMode ?? false));
}
/** max pooling that also returns the argmax indices (for unpooling). */
export function maxPool2dWithIndices(x: Tensor, kernelSize: number | number[], o: PoolOptions = {}): [Tensor, Tensor] {
  const k = tuple(kernelSize, 2, 'kernelSize');
  return wrapList(native.maxPool2dWithIndices(op(x), k, o.stride == null ? k : tuple(o.stride, 2, 'stride'),
    tuple(o.padding ?? 0, 2, 'padding'), tuple(o.dilation ?? 1, 2, 'dilation'), o.ceilMode ?? false)) as [Tensor, Tensor];
}
export interface AvgPoolOptions {
  stride?: number | number[] | null;
  padding?: number | number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
}
export function avgPool1d(x: Tensor, kernelSize: number | number[], o: AvgPoolOptions = {}): Tensor {
  const k = tuple(kernelSize, 1, 'kernelSize');
  return wrap(native.avgPool1d(op(x), k, o.stride == null ? k : tuple(o.stride, 1, 'stride'), tuple(o.padding ?? 0, 1, 'padding'),
    o.ceilMode ?? false, o.countIncludePad ?? true));
}
export function avgPool2d(x: Tensor, kernelSize: number | number[], o: AvgPoolOptions = {}): Tensor {
  const k = tuple(kernelSize, 2, 'kernelSize');
  return wrap(native.avgPool2d(op(x), k, o.stride == null ? k : tuple(o.stride, 2, 'stride'), tuple(o.padding ?? 0, 2, 'padding'),
    o.ceilMode ?? false, o.countIncludePad ?? true));
}
export const adaptiveAvgPool1d = (x: Tensor, outputSize: number | number[]): Tensor => wrap(native.adaptiveAvgPool1d(op(x), tuple(outputSize, 1, 'outputSize')));
export const adaptiveAvgPool2d = (x: Tensor, outputSize: number | number[]): Tensor => wrap(native.adaptiveAvgPool2d(op(x), tuple(outputSize, 2, 'outputSize')));
export const adaptiveMaxPool1d = (x: Tensor, outputSize: number | number[]): Tensor => wrap(native.adaptiveMaxPool1d(op(x), tuple(outputSize, 1, 'outputSize')));
export const adaptiveMaxPool2d = (x: Tensor, outputSize: number | number[]): Tensor => wrap(native.adaptiveMaxPool2d(op(x), tuple(outputSize, 2, 'outputSize')));

/** Batch norm; in training it updates runningMean/runningVar in place (momentum as in PyTorch). */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  o: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number } = {}): Tensor {
  return wrap(native.batchNorm(op(x), opt(o.weight), opt(o.bias), opt(runningMean), opt(runningVar), o.training ?? false,
    o.momentum ?? 0.1, o.eps ?? 1e-5));
}
export const layerNorm = (x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor =>
  wrap(native.layerNorm(op(x), [...normalizedShape], opt(weight), opt(bias), eps));
export const groupNorm = (x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor =>
  wrap(native.groupNorm(op(x), numGroups, opt(weight), opt(bias), eps));
export const dropout = (x: Tensor, p = 0.5, training = true): Tensor => wrap(native.dropout(op(x), p, training));
/** Rows of weight picked by integer indices; paddingIdx rows get no gradient. */
export const embedding = (input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor =>
  wrap(native.embedding(op(weight), op(input), paddingIdx ?? -1));

/** Resizes 4-d input (N, C, H, W): mode 'nearest' or 'bilinear', by size or scaleFactor. */
export function interpolate(x: Tensor, o: { size?: number | number[]; scaleFactor?: number | number[];
  mode?: 'nearest' | 'bilinear'; alignCorners?: boolean }): Tensor {
  if (x.ndim !== 4) throw new TorchError(`interpolate: expected 4-d input (N, C, H, W), got shape [${x.shape.join(', ')}]`, { op: 'interpolate' });
  const mode = o.mode ?? 'nearest';
  if ((o.size === undefined) === (o.scaleFactor === undefined)) {
    throw new TorchError('interpolate: give exactly one of size and scaleFactor', { op: 'interpolate' });
  }
  let size: number[];
  let scales: [number | null, number | null] = [null, null];
  if (o.size !== undefined) {
    size = tuple(o.size, 2, 'size');
  } else {
    const sf = tuple(o.scaleFactor!, 2, 'scaleFactor');
    size = [Math.floor(x.shape[2]! * sf[0]!), Math.floor(x.shape[3]! * sf[1]!)];
    scales = [sf[0]!, sf[1]!];
  }
  if (mode === 'nearest') {
    if (o.alignCorners !== undefined) throw new TorchError('interpolate: alignCorners only applies to bilinear mode', { op: 'interpolate' });
    return wrap(native.upsampleNearest2d(op(x), size, scales[0], scales[1]));
  }
  if (mode === 'bilinear') return wrap(native.upsampleBilinear2d(op(x), size, o.alignCorners ?? false, scales[0], scales[1]));
  throw new TorchError(`interpolate: mode must be 'nearest' or 'bilinear', got ${JSON.stringify(mode)}`, { op: 'interpolate' });
}

/** Pads the last dims: pad = [left, right, top, bottom, ...]; mode 'constant' | 'reflect' | 'replicate' | 'circular'. */
export function pad(x: Tensor, padding: readonly number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  return wrap(native.pad(op(x), [...padding], mode, mode === 'constant' ? value : null));
}

// ---- losses ----
export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}
/** Cross entropy of logits (N, C, ...) against class indices (N, ...) or class probabilities (N, C, ...). */
export const crossEntropy = (input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor =>
  wrap(native.crossEntropy(op(input), op(target), opt(o.weight), reduction(o.reduction, 'crossEntropy'), o.ignoreIndex ?? -100,
    o.labelSmoothing ?? 0));
export const nllLoss = (input: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor =>
  wrap(native.nllLoss(op(input), op(target), opt(o.weight), reduction(o.reduction, 'nllLoss'), o.ignoreIndex ?? -100));
export const mseLoss = (input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor =>
  wrap(native.mseLoss(op(input), op(target), reduction(o.reduction, 'mseLoss')));
export const l1Loss = (input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor =>
  wrap(native.l1Loss(op(input), op(target), reduction(o.reduction, 'l1Loss')));
export const smoothL1Loss = (input: Tensor, target: Tensor, o: { reduction?: Reduction; beta?: number } = {}): Tensor =>
  wrap(native.smoothL1Loss(op(input), op(target), reduction(o.reduction, 'smoothL1Loss'), o.beta ?? 1));
export const huberLoss = (input: Tensor, target: Tensor, o: { reduction?: Reduction; delta?: number } = {}): Tensor =>
  wrap(native.huberLoss(op(input), op(target), reduction(o.reduction, 'huberLoss'), o.delta ?? 1));
/** Binary cross entropy of probabilities in [0, 1]. */
export const binaryCrossEntropy = (input: Tensor, target: Tensor, o: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor =>
  wrap(native.bce(op(input), op(target), opt(o.weight), reduction(o.reduction, 'binaryCrossEntropy')));
/** Binary cross entropy of logits (numerically stable). */
export const binaryCrossEntropyWithLogits = (input: Tensor, target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}): Tensor =>
  wrap(native.bceWithLogits(op(input), op(target), opt(o.weight), opt(o.posWeight), reduction(o.reduction, 'binaryCrossEntropyWithLogits')));
/** KL divergence of log-probabilities input from target; 'batchmean' divides the sum by the batch size
 * (the mathematically correct mean, PyTorch's recommendation). */
export function klDiv(input: Tensor, target: Tensor, o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  if (o.reduction === 'batchmean') {
    const sum = wrap(native.klDiv(op(input), op(target), REDUCTIONS.sum, o.logTarget ?? false));
    const out = input.ndim === 0 ? sum : sum.div(input.shape[0]!);
    if (out !== sum) sum.dispose();
    return out;
  }
  return wrap(native.klDiv(op(input), op(target), reduction(o.reduction, 'klDiv'), o.logTarget ?? false));
}

/**
 * softmax(q kᵀ · scale + mask) v. The fused kernel where libtorch has one (2.1+), else the matmul/softmax
 * path. A boolean mask marks the positions that may be attended to; a float mask is added.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor,
  o: { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null } = {}): Tensor {
  return wrap(native.sdpa(op(q), op(k), op(v), opt(o.attnMask), o.dropoutP ?? 0, o.isCausal ?? false, o.scale ?? null));
}

/** x1ᵀ A x2 + b for each output feature (weight [out, in1, in2]). */
export const bilinear = (x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor =>
  wrap(native.bilinear(op(x1), op(x2), op(weight), opt(bias)));

/** Normalizes each sample's channels over their spatial dims; running statistics only when given. */
export function instanceNorm(x: Tensor, o: { runningMean?: Tensor | null; runningVar?: Tensor | null; weight?: Tensor | null;
  bias?: Tensor | null; useInputStats?: boolean; momentum?: number; eps?: number } = {}): Tensor {
  return wrap(native.instanceNorm(op(x), opt(o.weight), opt(o.bias), opt(o.runningMean), opt(o.runningVar), o.useInputStats ?? true,
    o.momentum ?? 0.1, o.eps ?? 1e-5));
}

/** Zeroes whole channels (dim 1) with probability p, scaling the rest by 1 / (1 - p). */
export const dropout2d = (x: Tensor, p = 0.5, training = true): Tensor => wrap(native.featureDropout(op(x), p, training));

const BAG_MODES = { sum: 0, mean: 1, max: 2 } as const;
/** Sums, means or maxes of embedding rows per bag: a 2-d input is one bag per row; a 1-d input is cut by offsets. */
export function embeddingBag(input: Tensor, weight: Tensor, o: { offsets?: Tensor | null; mode?: 'sum' | 'mean' | 'max';
  perSampleWeights?: Tensor | null; paddingIdx?: number | null } = {}): Tensor {
  const mode = BAG_MODES[o.mode ?? 'mean'];
  if (mode === undefined) throw new TorchError(`embeddingBag: mode must be 'sum', 'mean' or 'max', got ${JSON.stringify(o.mode)}`, { op: 'embeddingBag' });
  if (input.ndim === 2) {
    if (o.offsets) throw new TorchError('embeddingBag: offsets go with a 1-d input; a 2-d input is already one bag per row', { op: 'embeddingBag' });
    const [bags, len] = input.shape as [number, number];
    const flat = input.reshape(-1);
    const offsets = wrap(native.arange(0, bags * len, len, dtypeCode('int64'), input.device));
    const psw = o.perSampleWeights ? o.perSampleWeights.reshape(-1) : null;
    try {
      return wrap(native.embeddingBag(op(weight), op(flat), op(offsets), mode, opt(psw), o.paddingIdx ?? null));
    } finally {
      flat.dispose();
      offsets.dispose();
      psw?.dispose();
    }
  }
  if (input.ndim !== 1 || !o.offsets) throw new TorchError('embeddingBag: give a 2-d input, or a 1-d input with offsets', { op: 'embeddingBag' });
  return wrap(native.embeddingBag(op(weight), op(input), op(o.offsets), mode, opt(o.perSampleWeights), o.paddingIdx ?? null));
}

export interface RnnOptions {
  hasBiases: boolean;
  numLayers: number;
  dropout: number;
  training: boolean;
  bidirectional: boolean;
  batchFirst: boolean;
}
/** libtorch's fused LSTM: params are [w_ih, w_hh, b_ih, b_hh] per layer and direction. Returns [output, h, c]. */
export function lstm(input: Tensor, hx: [Tensor, Tensor], params: Tensor[], o: RnnOptions): [Tensor, Tensor, Tensor] {
  return wrapList(native.lstm(op(input), hx.map(op), params.map(op), o.hasBiases, o.numLayers, o.dropout, o.training, o.bidirectional,
    o.batchFirst)) as [Tensor, Tensor, Tensor];
}
/** libtorch's fused GRU. Returns [output, h]. */
export function gru(input: Tensor, h0: Tensor, params: Tensor[], o: RnnOptions): [Tensor, Tensor] {
  return wrapList(native.gru(op(input), op(h0), params.map(op), o.hasBiases, o.numLayers, o.dropout, o.training, o.bidirectional,
    o.batchFirst)) as [Tensor, Tensor];
}
