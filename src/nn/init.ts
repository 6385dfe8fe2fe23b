// nn.init: PyTorch's initializers, with the same formulas and the same random draws (so a seeded Flint
// model starts from the very weights a seeded PyTorch model does).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

const { TorchError } = torch;

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' |
  'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'conv_transpose1d': case 'conv_transpose2d':
    case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case 'selu': return 3 / 4;
    default: throw new TorchError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** fan_in = size(1) x receptive field, fan_out = size(0) x receptive field. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new TorchError(`fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

function fan(t: Tensor, mode: 'fan_in' | 'fan_out'): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new TorchError(`mode must be 'fan_in' or 'fan_out', got ${JSON.stringify(mode)}`);
  return mode === 'fan_in' ? fanIn : fanOut;
}

const inPlace = (t: Tensor, f: () => void): Tensor => { torch.noGrad(f); return t; };

export const uniform_ = (t: Tensor, a = 0, b = 1): Tensor => inPlace(t, () => t.uniform_(a, b));
export const normal_ = (t: Tensor, mean = 0, std = 1): Tensor => inPlace(t, () => t.normal_(mean, std));
export const constant_ = (t: Tensor, value: number): Tensor => inPlace(t, () => t.fill_(value));
export const zeros_ = (t: Tensor): Tensor => inPlace(t, () => t.zero_());
export const ones_ = (t: Tensor): Tensor => inPlace(t, () => t.fill_(1));

export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}
/** He initialization, uniform: bound = gain x sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const std = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan(t, o.mode ?? 'fan_in'));
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound);
}
/** He initialization, normal: std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const std = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan(t, o.mode ?? 'fan_in'));
  return normal_(t, 0, std);
}
/** Glorot initialization, uniform: bound = gain x sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}
/** Glorot initialization, normal: std = gain x sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Normal(mean, std) truncated to [a, b], by inverse-CDF sampling (PyTorch's method). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const [l, u] = torch.tidy(() => {
    const cdf = torch.tensor([(a - mean) / std, (b - mean) / std], { dtype: 'float64' }).div(Math.SQRT2).erf().add(1).div(2);
    return Array.from(cdf.toTypedArray() as Float64Array);
  }) as [number, number];
  return inPlace(t, () => torch.tidy(() => {
    t.uniform_(2 * l - 1, 2 * u - 1);
    t.copy_(t.erfinv());
    t.mul_(std * Math.SQRT2).add_(mean).clamp_(a, b);
  }));
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times gain (PyTorch's method). */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  if (t.ndim < 2) throw new TorchError(`orthogonal_: only tensors with 2 or more dimensions are supported (shape [${t.shape.join(', ')}])`);
  if (t.numel() === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  return inPlace(t, () => torch.tidy(() => {
    let flat = torch.empty([rows, cols], { dtype: t.dtype, device: t.device }).normal_(0, 1);
    if (rows < cols) flat = flat.t();
    const [q0, r] = torch.linalgQr(flat);
    let q = q0.mul(r.diagonal(0, -2, -1).sign());
    if (rows < cols) q = q.t();
    t.copy_(q.reshape([...t.shape])).mul_(gain);
  }));
}
