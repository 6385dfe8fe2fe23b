// PyTorch's GradScaler (torch.amp.GradScaler): float16 gradients underflow, so the loss is multiplied by a large
// scale before backward and the gradients divided by it before the step. A step whose gradients overflowed is
// skipped and the scale backed off; after growthInterval clean steps it grows again. The scale and the counter
// live on the device; the skip decision is the one host read per step (PyTorch's step reads it too).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBool, checkInt, checkNumber, checkOptions, checkTensor, fail } from '../torch/validate.js';

export interface GradScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
  enabled?: boolean;
}

export class GradScaler {
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  readonly enabled: boolean;
  private readonly initScale: number;
  private scaleT: Tensor | null = null;
  private tracker: Tensor | null = null;

  constructor(o: GradScalerOptions = {}) {
    const fn = 'optim.GradScaler';
    // other keys are let through: MixedPrecision hands its own options on
    o = checkOptions(fn, o);
    this.initScale = o.initScale === undefined ? 2 ** 16 : checkNumber(fn, 'initScale', o.initScale, { gt: 0 });
    this.growthFactor = o.growthFactor === undefined ? 2 : checkNumber(fn, 'growthFactor', o.growthFactor, { gt: 1 });
    this.backoffFactor = o.backoffFactor === undefined ? 0.5 : checkNumber(fn, 'backoffFactor', o.backoffFactor, { gt: 0 });
    if (this.backoffFactor >= 1) fail(fn, 'backoffFactor', 'a number > 0 and < 1 (backoffFactor out of range)', this.backoffFactor);
    this.growthInterval = o.growthInterval === undefined ? 2000 : checkInt(fn, 'growthInterval', o.growthInterval, { min: 1 });
    this.enabled = o.enabled === undefined ? true : checkBool(fn, 'enabled', o.enabled);
  }

  private state(device: string): Tensor {
    if (!this.scaleT) {
      this.scaleT = torch.keep(torch.full([], this.initScale, { device }));
      this.tracker = torch.keep(torch.zeros([], { dtype: 'int32', device }));
    }
    return this.scaleT;
  }

  /** The loss times the scale (the loss itself when disabled). */
  scale(loss: Tensor): Tensor {
    checkTensor('GradScaler.scale', 'loss', loss);
    if (!this.enabled) return loss;
    return loss.mul(this.state(loss.device));
  }

  /**
   * Divides the gradients of `params` by the scale in place and returns a 0-dim tensor on the device: 1 when
   * some gradient is infinite or NaN, else 0.
   */
  unscale_(params: readonly Tensor[]): Tensor {
    if (!Array.isArray(params)) fail('GradScaler.unscale_', 'params', 'an array of tensors', params);
    params.forEach((p, i) => checkTensor('GradScaler.unscale_', `params[${i}]`, p));
    return torch.tidy(() =>
      torch.noGrad(() => {
        const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
        if (!this.enabled || grads.length === 0) return torch.zeros([]);
        const inv = this.state(grads[0]!.device).double().reciprocal().float();
        torch.foreachMul_(
          grads,
          grads.map(() => inv),
        );
        return torch
          .stack(grads.map((g) => g.isfinite().all()))
          .all()
          .logicalNot()
          .float();
      }),
    );
  }

  /** PyTorch's _amp_update_scale_: back off on overflow (and restart the count), grow after growthInterval
   * clean steps in a row. Runs on the device, with no host read. */
  update(foundInf: Tensor): void {
    // what unscale_ returns: one value, 1 when a gradient overflowed
    if (checkTensor('GradScaler.update', 'foundInf', foundInf).numel() !== 1)
      fail('GradScaler.update', 'foundInf', 'a one-element tensor (as unscale_ returns)', foundInf);
    if (!this.enabled || !this.scaleT) return;
    torch.tidy(() =>
      torch.noGrad(() => {
        const found = foundInf.gt(0);
        const successful = this.tracker!.add(1);
        const grow = successful.ge(this.growthInterval).logicalAnd(found.logicalNot());
        const factor = torch.where(found, this.backoffFactor, torch.where(grow, this.growthFactor, 1));
        this.scaleT!.mul_(factor);
        this.tracker!.copy_(torch.where(found.logicalOr(grow), 0, successful));
      }),
    );
  }

  /** The current scale (a host read); the initial scale before the first use. */
  getScale(): number {
    if (!this.enabled) return 1;
    return this.scaleT ? this.scaleT.item() : this.initScale;
  }

  /** Frees the device state; the next use starts again from initScale. */
  reset(): void {
    this.scaleT?.dispose();
    this.tracker?.dispose();
    this.scaleT = null;
    this.tracker = null;
  }
}
