// Linear and the shape-only layers (Identity, Flatten, Unflatten).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyBool, pyTuple } from '../repr.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { checkInt, checkTensor, fail, optBool, checkOptions } from '../check.js';

const F = torch.functional;

/** y = x Wᵀ + b, initialized as PyTorch does (kaiming-uniform with a = sqrt(5); bias uniform ±1/sqrt(fan_in)). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    o: { bias?: boolean } & FactoryOptions = {},
  ) {
    super();
    const fn = `nn.${new.target.name}`;
    checkInt(fn, 'inFeatures', inFeatures, { min: 0 });
    checkInt(fn, 'outFeatures', outFeatures, { min: 0 });
    checkOptions(fn, o, ['bias', ...FACTORY_KEYS]);
    const bias = optBool(fn, 'bias', o.bias, true);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', emptyParam(fn, 'weight', [outFeatures, inFeatures], f));
    this.bias = this.registerParameter('bias', bias ? emptyParam(fn, 'bias', [outFeatures], f) : null);
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      // no inputs (inFeatures 0): PyTorch's bound is 0, a zero bias
      if (this.inFeatures === 0) init.zeros_(this.bias);
      else init.uniform_(this.bias, -1 / Math.sqrt(this.inFeatures), 1 / Math.sqrt(this.inFeatures));
    }
  }
  forward(x: Tensor): Tensor {
    return F.linear(checkTensor('nn.Linear', 'input', x), this.weight, this.bias);
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
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    checkInt('nn.Flatten', 'startDim', startDim);
    checkInt('nn.Flatten', 'endDim', endDim);
  }
  forward(x: Tensor): Tensor {
    return checkTensor('nn.Flatten', 'input', x).flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Splits dim into the given sizes (one of them may be -1, inferred). */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];
  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    checkInt('nn.Unflatten', 'dim', dim);
    const sizes = Array.isArray(unflattenedSize)
      ? (unflattenedSize as unknown[])
      : fail('nn.Unflatten', 'unflattenedSize', 'an array of sizes', unflattenedSize);
    if (sizes.length === 0) fail('nn.Unflatten', 'unflattenedSize', 'a non-empty array of sizes', sizes);
    sizes.forEach((s, i) => checkInt('nn.Unflatten', `unflattenedSize[${i}]`, s, { min: -1 }));
    if (sizes.filter((s) => s === -1).length > 1) fail('nn.Unflatten', 'unflattenedSize', 'at most one -1', sizes);
    this.unflattenedSize = [...(sizes as number[])];
  }
  forward(x: Tensor): Tensor {
    return checkTensor('nn.Unflatten', 'input', x).unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/** y = x1ᵀ A x2 + b per output feature; weight [out, in1, in2], all uniform ±1/sqrt(in1) as in PyTorch. */
export class Bilinear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly in1Features: number,
    readonly in2Features: number,
    readonly outFeatures: number,
    o: { bias?: boolean } & FactoryOptions = {},
  ) {
    super();
    const fn = 'nn.Bilinear';
    checkInt(fn, 'in1Features', in1Features, { min: 1 });
    checkInt(fn, 'in2Features', in2Features, { min: 0 });
    checkInt(fn, 'outFeatures', outFeatures, { min: 0 });
    checkOptions(fn, o, ['bias', ...FACTORY_KEYS]);
    const bias = optBool(fn, 'bias', o.bias, true);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', emptyParam(fn, 'weight', [outFeatures, in1Features, in2Features], f));
    this.bias = this.registerParameter('bias', bias ? emptyParam(fn, 'bias', [outFeatures], f) : null);
    const bound = 1 / Math.sqrt(in1Features);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return F.bilinear(checkTensor('nn.Bilinear', 'input1', x1), checkTensor('nn.Bilinear', 'input2', x2), this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
