// Sampling from the distributions training recipes need (MixUp's Beta), on libtorch's global generator so
// torch.manualSeed makes them reproducible.
import { native } from './native.js';
import { type Tensor, h, wrap } from './tensor.js';
import { tidy } from './scope.js';
import { full } from './creation.js';
import { checkNumber, checkOptions, checkShape, named } from './validate.js';

/** One Gamma(concentration, 1) sample per element of `concentration` (PyTorch's torch._standard_gamma). */
export function standardGamma(concentration: Tensor): Tensor {
  return wrap(native.standardGamma(h(concentration)));
}

const positive = (name: string, v: unknown): number => checkNumber('torch.distributions.Beta', name, v, { gt: 0 });

/** Beta(concentration1, concentration0), sampled as X / (X + Y) with X ~ Gamma(c1), Y ~ Gamma(c0). */
export class Beta {
  readonly concentration1: number;
  readonly concentration0: number;
  constructor(concentration1: number, concentration0: number) {
    this.concentration1 = positive('concentration1', concentration1);
    this.concentration0 = positive('concentration0', concentration0);
  }
  get mean(): number {
    return this.concentration1 / (this.concentration1 + this.concentration0);
  }
  get variance(): number {
    const [a, b] = [this.concentration1, this.concentration0];
    return (a * b) / ((a + b) ** 2 * (a + b + 1));
  }
  /** Samples of the given shape (float32 on `device`, CPU by default). */
  sample(shape: number[] = [], opts?: { device?: string }): Tensor {
    checkShape('torch.distributions.Beta.sample', 'shape', shape);
    const o = checkOptions('torch.distributions.Beta.sample', opts, ['device']);
    return named('torch.distributions.Beta.sample', () =>
      tidy(() => {
        const x = standardGamma(full(shape, this.concentration1, { device: o.device }));
        const y = standardGamma(full(shape, this.concentration0, { device: o.device }));
        return x.div(x.add(y));
      }),
    );
  }
}
