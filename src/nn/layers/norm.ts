// Normalization layers: BatchNorm1d/2d (running statistics, momentum, eval mode), LayerNorm, GroupNorm.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyBool, pyFloat, pyTuple } from '../repr.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { allocating, checkInt, checkNumber, checkTensor, fail, optBool, optNum, checkOptions } from '../check.js';

const F = torch.functional;

export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** Running-average factor; null for a cumulative average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** What batch and instance norm share (PyTorch's _NormBase): affine parameters, running statistics, printout. */
abstract class NormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    o: BatchNormOptions,
    defaults: { affine: boolean; trackRunningStats: boolean },
  ) {
    super();
    const fn = `nn.${new.target.name}`;
    checkInt(fn, 'numFeatures', numFeatures, { min: 0 });
    checkOptions(fn, o, ['eps', 'momentum', 'affine', 'trackRunningStats', ...FACTORY_KEYS]);
    this.eps = optNum(fn, 'eps', o.eps, 1e-5, { min: 0 });
    // null: a cumulative average (PyTorch's momentum=None)
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum === null ? null : checkNumber(fn, 'momentum', o.momentum, { min: 0, max: 1 });
    this.affine = optBool(fn, 'affine', o.affine, defaults.affine);
    this.trackRunningStats = optBool(fn, 'trackRunningStats', o.trackRunningStats, defaults.trackRunningStats);
    const f = factory(fn, o);
    const track = this.trackRunningStats;
    // the statistics first: once they exist nothing below can fail, so a failing constructor leaks nothing
    const stats = track
      ? allocating(fn, 'running statistics', [numFeatures], f, () =>
          torch.tidy(() => [
            torch.zeros([numFeatures], f).keep(),
            torch.ones([numFeatures], f).keep(),
            torch.tensor(0n, { device: f.device }).keep(),
          ]),
        )
      : null;
    try {
      this.weight = this.registerParameter('weight', this.affine ? emptyParam(fn, 'weight', [numFeatures], f) : null);
      this.bias = this.registerParameter('bias', this.affine ? emptyParam(fn, 'bias', [numFeatures], f) : null);
    } catch (e) {
      torch.dispose([stats, this.parameters()]);
      throw e;
    }
    this.runningMean = this.registerBuffer('running_mean', stats ? stats[0]! : null);
    this.runningVar = this.registerBuffer('running_var', stats ? stats[1]! : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', stats ? stats[2]! : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  override extraRepr(): string {
    return (
      `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, ` +
      `affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`
    );
  }
}

abstract class BatchNormNd extends NormBase {
  constructor(numFeatures: number, o: BatchNormOptions) {
    super(numFeatures, o, { affine: true, trackRunningStats: true });
  }
  protected abstract checkInput(x: Tensor): void;
  forward(x: Tensor): Tensor {
    this.checkInput(checkTensor(`nn.${this.constructor.name}`, 'input', x));
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      torch.noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    // In training, or without running statistics, normalize by the batch's own statistics.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }
}

/** Batch norm over (N, C) or (N, C, L). */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) fail('nn.BatchNorm1d', 'input', `a 2-d (N, C) or 3-d (N, C, L) tensor`, x);
  }
}

/** Batch norm over (N, C, H, W). */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o);
  }
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) fail('nn.BatchNorm2d', 'input', 'a 4-d (N, C, H, W) tensor', x);
  }
}

/** Normalizes over the trailing dims given by normalizedShape. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | number[], o: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } & FactoryOptions = {}) {
    super();
    const fn = 'nn.LayerNorm';
    if (typeof normalizedShape === 'number') this.normalizedShape = [checkInt(fn, 'normalizedShape', normalizedShape, { min: 0 })];
    else if (Array.isArray(normalizedShape) && normalizedShape.length > 0)
      this.normalizedShape = normalizedShape.map((d, i) => checkInt(fn, `normalizedShape[${i}]`, d, { min: 0 }));
    else fail(fn, 'normalizedShape', 'a non-negative integer or a non-empty array of them', normalizedShape);
    checkOptions(fn, o, ['eps', 'elementwiseAffine', 'bias', ...FACTORY_KEYS]);
    this.eps = optNum(fn, 'eps', o.eps, 1e-5, { min: 0 });
    this.elementwiseAffine = optBool(fn, 'elementwiseAffine', o.elementwiseAffine, true);
    const bias = optBool(fn, 'bias', o.bias, true);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', this.elementwiseAffine ? emptyParam(fn, 'weight', this.normalizedShape, f) : null);
    try {
      this.bias = this.registerParameter('bias', this.elementwiseAffine && bias ? emptyParam(fn, 'bias', this.normalizedShape, f) : null);
    } catch (e) {
      this.dispose();
      throw e;
    }
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(checkTensor('nn.LayerNorm', 'input', x), this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Normalizes each group of channels. */
export class GroupNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  readonly affine: boolean;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    o: { eps?: number; affine?: boolean } & FactoryOptions = {},
  ) {
    super();
    const fn = 'nn.GroupNorm';
    checkInt(fn, 'numGroups', numGroups, { min: 1 });
    checkInt(fn, 'numChannels', numChannels, { min: 0 });
    if (numChannels % numGroups !== 0) fail(fn, 'numGroups', `a divisor of numChannels (${numChannels})`, numGroups);
    checkOptions(fn, o, ['eps', 'affine', ...FACTORY_KEYS]);
    this.eps = optNum(fn, 'eps', o.eps, 1e-5, { min: 0 });
    this.affine = optBool(fn, 'affine', o.affine, true);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', this.affine ? emptyParam(fn, 'weight', [numChannels], f) : null);
    this.bias = this.registerParameter('bias', this.affine ? emptyParam(fn, 'bias', [numChannels], f) : null);
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.groupNorm(checkTensor('nn.GroupNorm', 'input', x), this.numGroups, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Instance norm over (N, C, H, W) or (C, H, W): each sample's channels normalized over H x W.
 * As in PyTorch, no affine parameters and no running statistics unless asked. */
export class InstanceNorm2d extends NormBase {
  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super(numFeatures, o, { affine: false, trackRunningStats: false });
  }
  forward(x: Tensor): Tensor {
    if (checkTensor('nn.InstanceNorm2d', 'input', x).ndim !== 3 && x.ndim !== 4)
      fail('nn.InstanceNorm2d', 'input', 'a 3-d (C, H, W) or 4-d (N, C, H, W) tensor', x);
    return torch.tidy(() => {
      const xb = x.ndim === 4 ? x : x.unsqueeze(0);
      // PyTorch's instance norm leaves num_batches_tracked alone (the buffer exists for state-dict compatibility)
      const out = F.instanceNorm(xb, {
        runningMean: this.runningMean,
        runningVar: this.runningVar,
        weight: this.weight,
        bias: this.bias,
        useInputStats: this.training || !this.trackRunningStats,
        momentum: this.momentum ?? 0,
        eps: this.eps,
      }); // None: 0, as PyTorch's
      return x.ndim === 4 ? out : out.squeeze(0);
    });
  }
}
