// Pooling layers.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pyBool, pyTuple } from '../repr.js';

const F = torch.functional;

export class MaxPool2d extends Module {
  readonly stride: number | number[];
  constructor(readonly kernelSize: number | number[],
    readonly o: { stride?: number | number[] | null; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean } = {}) {
    super();
    this.stride = o.stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, { ...this.o, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.o.padding ?? 0)}, ` +
      `dilation=${pyTuple(this.o.dilation ?? 1)}, ceil_mode=${pyBool(this.o.ceilMode ?? false)}`;
  }
}

export class AvgPool2d extends Module {
  readonly stride: number | number[];
  constructor(readonly kernelSize: number | number[],
    readonly o: { stride?: number | number[] | null; padding?: number | number[]; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
    this.stride = o.stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, { ...this.o, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.o.padding ?? 0)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | number[]) { super(); }
  forward(x: Tensor): Tensor { return F.adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string { return `output_size=${pyTuple(this.outputSize)}`; }
}

export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: number | number[]) { super(); }
  forward(x: Tensor): Tensor { return F.adaptiveMaxPool2d(x, this.outputSize); }
  override extraRepr(): string { return `output_size=${pyTuple(this.outputSize)}`; }
}
