// nn.init: PyTorch's initializers, with the same formulas and the same random draws (so a seeded Flint
// model starts from the very weights a seeded PyTorch model does).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkNumber, checkOneOf, checkTensor, fail, optNum, optOneOf, checkOptions } from './check.js';

const NONLINEARITIES = [
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'sigmoid',
  'tanh',
  'relu',
  'leaky_relu',
  'selu',
] as const;

/** The tensor an initializer fills: live, floating-point (random fills are defined for those only). */
function target(fn: string, t: Tensor, floating = true): Tensor {
  checkTensor(fn, 'tensor', t);
  if (floating && !torch.isFloating(t.dtype)) fail(fn, 'tensor', 'a floating-point tensor', t);
  return t;
}

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  return gain('nn.init.calculateGain', nonlinearity, param);
}
function gain(fn: string, nonlinearity: unknown, param: unknown): number {
  checkOneOf(fn, 'nonlinearity', nonlinearity, NONLINEARITIES);
  // PyTorch: the negative slope of leaky_relu, a number (default 0.01)
  const slope = param === undefined || param === null ? 0.01 : checkNumber(fn, 'param', param);
  switch (nonlinearity as Nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + slope ** 2));
    default:
      return 3 / 4; // selu
  }
}

/** fan_in = size(1) x receptive field, fan_out = size(0) x receptive field. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  return fans('nn.init.calculateFanInAndFanOut', t);
}
function fans(fn: string, t: Tensor): [number, number] {
  if (checkTensor(fn, 'tensor', t).ndim < 2)
    fail(fn, 'tensor', 'a tensor with 2 or more dimensions (fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions)', t);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

const inPlace = (t: Tensor, f: () => void): Tensor => {
  torch.noGrad(f);
  return t;
};

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return uniform('nn.init.uniform_', t, a, b);
}
function uniform(fn: string, t: Tensor, a: unknown, b: unknown): Tensor {
  target(fn, t);
  checkNumber(fn, 'a', a);
  checkNumber(fn, 'b', b, { min: a as number });
  return inPlace(t, () => t.uniform_(a as number, b as number));
}
/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return normal('nn.init.normal_', t, mean, std);
}
function normal(fn: string, t: Tensor, mean: unknown, std: unknown): Tensor {
  target(fn, t);
  checkNumber(fn, 'mean', mean);
  checkNumber(fn, 'std', std, { min: 0 });
  return inPlace(t, () => t.normal_(mean as number, std as number));
}
/** Fills with value (±Infinity allowed, as in PyTorch; NaN refused). */
export function constant_(t: Tensor, value: number): Tensor {
  target('nn.init.constant_', t, false);
  checkNumber('nn.init.constant_', 'value', value, { infinite: true });
  return inPlace(t, () => t.fill_(value));
}
export function zeros_(t: Tensor): Tensor {
  target('nn.init.zeros_', t, false);
  return inPlace(t, () => t.zero_());
}
export function ones_(t: Tensor): Tensor {
  target('nn.init.ones_', t, false);
  return inPlace(t, () => t.fill_(1));
}

export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}
/** He initialization, uniform: bound = gain x sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const fn = 'nn.init.kaimingUniform_';
  const bound = Math.sqrt(3) * kaimingStd(fn, t, o);
  return zeroElements(t) ? t : uniform(fn, t, -bound, bound);
}
/** He initialization, normal: std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const fn = 'nn.init.kaimingNormal_';
  const std = kaimingStd(fn, t, o);
  return zeroElements(t) ? t : normal(fn, t, 0, std);
}
/** PyTorch's kaiming std, gain / sqrt(fan), after checking the tensor and the options. */
function kaimingStd(fn: string, t: Tensor, o: KaimingOptions): number {
  target(fn, t);
  checkOptions(fn, o, ['a', 'mode', 'nonlinearity']);
  const a = optNum(fn, 'a', o.a, 0);
  const mode = optOneOf(fn, 'mode', o.mode, ['fan_in', 'fan_out'], 'fan_in');
  const nonlinearity = optOneOf(fn, 'nonlinearity', o.nonlinearity, NONLINEARITIES, 'leaky_relu');
  const [fanIn, fanOut] = fans(fn, t);
  return gain(fn, nonlinearity, a) / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut);
}
/** PyTorch warns and does nothing for a tensor with no elements (whose fan may be 0). */
const zeroElements = (t: Tensor): boolean => t.shape.includes(0);

/** Glorot initialization, uniform: bound = gain x sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const fn = 'nn.init.xavierUniform_';
  const [fanIn, fanOut] = fans(fn, target(fn, t));
  const a = Math.sqrt(3) * checkNumber(fn, 'gain', gain) * Math.sqrt(2 / (fanIn + fanOut));
  return zeroElements(t) ? t : uniform(fn, t, -a, a);
}
/** Glorot initialization, normal: std = gain x sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const fn = 'nn.init.xavierNormal_';
  const [fanIn, fanOut] = fans(fn, target(fn, t));
  const std = checkNumber(fn, 'gain', gain) * Math.sqrt(2 / (fanIn + fanOut));
  return zeroElements(t) ? t : normal(fn, t, 0, std);
}

/** Normal(mean, std) truncated to [a, b], by inverse-CDF sampling (PyTorch's method). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const fn = 'nn.init.truncNormal_';
  target(fn, t);
  checkNumber(fn, 'mean', mean);
  checkNumber(fn, 'std', std, { gt: 0 });
  checkNumber(fn, 'a', a, { infinite: true });
  checkNumber(fn, 'b', b, { infinite: true, gt: a });
  const [l, u] = torch.tidy(() => {
    const cdf = torch
      .tensor([(a - mean) / std, (b - mean) / std], { dtype: 'float64' })
      .div(Math.SQRT2)
      .erf()
      .add(1)
      .div(2);
    return Array.from(cdf.toTypedArray() as Float64Array);
  }) as [number, number];
  return inPlace(t, () =>
    torch.tidy(() => {
      t.uniform_(2 * l - 1, 2 * u - 1);
      t.copy_(t.erfinv());
      t.mul_(std * Math.SQRT2)
        .add_(mean)
        .clamp_(a, b);
    }),
  );
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times gain (PyTorch's method). */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  const fn = 'nn.init.orthogonal_';
  if (target(fn, t).ndim < 2) fail(fn, 'tensor', 'a tensor with 2 or more dimensions', t);
  checkNumber(fn, 'gain', gain);
  if (t.numel() === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  return inPlace(t, () =>
    torch.tidy(() => {
      let flat = torch.empty([rows, cols], { dtype: t.dtype, device: t.device }).normal_(0, 1);
      if (rows < cols) flat = flat.t();
      const [q0, r] = torch.linalgQr(flat);
      let q = q0.mul(r.diagonal(0, -2, -1).sign());
      if (rows < cols) q = q.t();
      t.copy_(q.reshape([...t.shape])).mul_(gain);
    }),
  );
}
