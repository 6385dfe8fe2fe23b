// Linear and the shape-only layers (Identity, Flatten, Unflatten).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyBool, pyTuple } from '../repr.js';
import { type FactoryOptions, emptyParam, positiveInt } from './options.js';

const F = torch.functional;

/** y = x Wᵀ + b, initialized as PyTorch does (kaiming-uniform with a = sqrt(5); bias uniform ±1/sqrt(fan_in)). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, o: { bias?: boolean } & FactoryOptions = {}) {
    super();
    positiveInt('inFeatures', inFeatures, 'Linear');
    positiveInt('outFeatures', outFeatures, 'Linear');
    this.weight = this.registerParameter('weight', emptyParam([outFeatures, inFeatures], o));
    this.bias = this.registerParameter('bias', o.bias === false ? null : emptyParam([outFeatures], o));
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = 1 / Math.sqrt(this.inFeatures);
      init.uniform_(this.bias, -bound, bound);
    }
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim into the given sizes. */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly unflattenedSize: readonly number[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/** y = x1ᵀ A x2 + b per output feature; weight [out, in1, in2], all uniform ±1/sqrt(in1) as in PyTorch. */
export class Bilinear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number,
    o: { bias?: boolean } & FactoryOptions = {}) {
    super();
    positiveInt('in1Features', in1Features, 'Bilinear');
    positiveInt('in2Features', in2Features, 'Bilinear');
    positiveInt('outFeatures', outFeatures, 'Bilinear');
    this.weight = this.registerParameter('weight', emptyParam([outFeatures, in1Features, in2Features], o));
    this.bias = this.registerParameter('bias', o.bias === false ? null : emptyParam([outFeatures], o));
    const bound = 1 / Math.sqrt(in1Features);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return F.bilinear(x1, x2, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
