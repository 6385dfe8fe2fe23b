// PyTorch's GradScaler (torch.amp.GradScaler): float16 gradients underflow, so the loss is multiplied by a large
// scale before backward and the gradients divided by it before the step. A step whose gradients overflowed is
// skipped and the scale backed off; after growthInterval clean steps it grows again. The scale and the counter
// live on the device; the skip decision is the one host read per step (PyTorch's step reads it too).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

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
    this.initScale = o.initScale ?? 2 ** 16;
    this.growthFactor = o.growthFactor ?? 2;
    this.backoffFactor = o.backoffFactor ?? 0.5;
    this.growthInterval = o.growthInterval ?? 2000;
    this.enabled = o.enabled ?? true;
    const bad = !(this.initScale > 0) ? 'initScale' : !(this.growthFactor > 1) ? 'growthFactor'
      : !(this.backoffFactor > 0 && this.backoffFactor < 1) ? 'backoffFactor'
      : !(Number.isInteger(this.growthInterval) && this.growthInterval > 0) ? 'growthInterval' : null;
    if (bad) throw new torch.TorchError(`GradScaler: ${bad} out of range (initScale > 0, growthFactor > 1, 0 < backoffFactor < 1, growthInterval a positive integer)`);
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
    if (!this.enabled) return loss;
    return loss.mul(this.state(loss.device));
  }

  /**
   * Divides the gradients of `params` by the scale in place and returns a 0-dim tensor on the device: 1 when
   * some gradient is infinite or NaN, else 0.
   */
  unscale_(params: readonly Tensor[]): Tensor {
    return torch.tidy(() => torch.noGrad(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (!this.enabled || grads.length === 0) return torch.zeros([]);
      const inv = this.state(grads[0]!.device).double().reciprocal().float();
      torch.foreachMul_(grads, grads.map(() => inv));
      return torch.stack(grads.map((g) => g.isfinite().all())).all().logicalNot().float();
    }));
  }

  /** PyTorch's _amp_update_scale_: back off on overflow (and restart the count), grow after growthInterval
   * clean steps in a row. Runs on the device, with no host read. */
  update(foundInf: Tensor): void {
    if (!this.enabled || !this.scaleT) return;
    torch.tidy(() => torch.noGrad(() => {
      const found = foundInf.gt(0);
      const successful = this.tracker!.add(1);
      const grow = successful.ge(this.growthInterval).logicalAnd(found.logicalNot());
      const factor = torch.where(found, this.backoffFactor, torch.where(grow, this.growthFactor, 1));
      this.scaleT!.mul_(factor);
      this.tracker!.copy_(torch.where(found.logicalOr(grow), 0, successful));
    }));
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
