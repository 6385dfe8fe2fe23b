// Pooling layers.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pyBool, pyTuple } from '../repr.js';
import { checkTensor, fail, optBool, checkOptions, tuple } from '../check.js';

const F = torch.functional;

/** kernelSize, stride (default: the kernel), dilation and padding, checked as PyTorch's pooling does (padding
 * at most half the effective kernel, (kernel - 1) * dilation + 1). */
function window(fn: string, kernelSize: unknown, o: { stride?: unknown; padding?: unknown; dilation?: unknown }): void {
  const k = tuple(fn, 'kernelSize', kernelSize, 2, 1);
  if (o.stride !== undefined && o.stride !== null) tuple(fn, 'stride', o.stride, 2, 1);
  const d = tuple(fn, 'dilation', o.dilation === undefined ? 1 : o.dilation, 2, 1);
  const p = tuple(fn, 'padding', o.padding === undefined ? 0 : o.padding, 2, 0);
  const eff = k.map((x, i) => (x - 1) * d[i]! + 1);
  if (p.some((x, i) => x > eff[i]! / 2)) fail(fn, 'padding', `at most half the effective kernel size ${pyTuple(eff)}`, o.padding);
}

export class MaxPool2d extends Module {
  readonly stride: number | number[];
  constructor(
    readonly kernelSize: number | number[],
    readonly o: { stride?: number | number[] | null; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean } = {},
  ) {
    super();
    const fn = 'nn.MaxPool2d';
    checkOptions(fn, o, ['stride', 'padding', 'dilation', 'ceilMode']);
    window(fn, kernelSize, o);
    optBool(fn, 'ceilMode', o.ceilMode, false);
    this.o = { ...o };
    this.stride = o.stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(checkTensor('nn.MaxPool2d', 'input', x), this.kernelSize, { ...this.o, stride: this.stride });
  }
  override extraRepr(): string {
    return (
      `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.o.padding ?? 0)}, ` +
      `dilation=${pyTuple(this.o.dilation ?? 1)}, ceil_mode=${pyBool(this.o.ceilMode ?? false)}`
    );
  }
}

export class AvgPool2d extends Module {
  readonly stride: number | number[];
  constructor(
    readonly kernelSize: number | number[],
    readonly o: { stride?: number | number[] | null; padding?: number | number[]; ceilMode?: boolean; countIncludePad?: boolean } = {},
  ) {
    super();
    const fn = 'nn.AvgPool2d';
    checkOptions(fn, o, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
    window(fn, kernelSize, o);
    optBool(fn, 'ceilMode', o.ceilMode, false);
    optBool(fn, 'countIncludePad', o.countIncludePad, true);
    this.o = { ...o };
    this.stride = o.stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(checkTensor('nn.AvgPool2d', 'input', x), this.kernelSize, { ...this.o, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.o.padding ?? 0)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | number[]) {
    super();
    tuple('nn.AdaptiveAvgPool2d', 'outputSize', outputSize, 2, 0);
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(checkTensor('nn.AdaptiveAvgPool2d', 'input', x), this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyTuple(this.outputSize)}`;
  }
}

export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: number | number[]) {
    super();
    tuple('nn.AdaptiveMaxPool2d', 'outputSize', outputSize, 2, 0);
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveMaxPool2d(checkTensor('nn.AdaptiveMaxPool2d', 'input', x), this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyTuple(this.outputSize)}`;
  }
}

/** fastai's AdaptiveConcatPool2d: the adaptive max pool and the adaptive average pool, concatenated along the
 * channels (max first), so a head sees both (twice the channels). */
export class AdaptiveConcatPool2d extends Module {
  constructor(readonly outputSize: number | number[] = 1) {
    super();
    tuple('nn.AdaptiveConcatPool2d', 'outputSize', outputSize, 2, 0);
  }
  forward(x: Tensor): Tensor {
    checkTensor('nn.AdaptiveConcatPool2d', 'input', x);
    return torch.cat([F.adaptiveMaxPool2d(x, this.outputSize), F.adaptiveAvgPool2d(x, this.outputSize)], 1);
  }
  override extraRepr(): string {
    return `output_size=${pyTuple(this.outputSize)}`;
  }
}
