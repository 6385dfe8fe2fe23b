// Sampling from the distributions training recipes need (MixUp's Beta), on libtorch's global generator so
// torch.manualSeed makes them reproducible.
import { native } from './native.js';
import { Tensor, op, wrap } from './tensor.js';
import { tidy } from './scope.js';
import { full } from './creation.js';
import { TorchError } from './errors.js';

/** One Gamma(concentration, 1) sample per element of `concentration` (PyTorch's torch._standard_gamma). */
export function standardGamma(concentration: Tensor): Tensor {
  return wrap(native.standardGamma(op(concentration)));
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new TorchError(`Beta: ${name} must be a positive finite number, got ${v}`);
  return v;
}

/** Beta(concentration1, concentration0), sampled as X / (X + Y) with X ~ Gamma(c1), Y ~ Gamma(c0). */
export class Beta {
  readonly concentration1: number;
  readonly concentration0: number;
  constructor(concentration1: number, concentration0: number) {
    this.concentration1 = positive('concentration1', concentration1);
    this.concentration0 = positive('concentration0', concentration0);
  }
  get mean(): number { return this.concentration1 / (this.concentration1 + this.concentration0); }
  get variance(): number {
    const [a, b] = [this.concentration1, this.concentration0];
    return (a * b) / ((a + b) ** 2 * (a + b + 1));
  }
  /** Samples of the given shape (float32 on `device`, CPU by default). */
  sample(shape: number[] = [], o: { device?: string } = {}): Tensor {
    return tidy(() => {
      const x = standardGamma(full(shape, this.concentration1, { device: o.device }));
      const y = standardGamma(full(shape, this.concentration0, { device: o.device }));
      return x.div(x.add(y));
    });
  }
}
