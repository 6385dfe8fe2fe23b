// Segmentation metrics (fastai's Dice, DiceMulti, JaccardCoeff, foregroundAcc): predictions (N, C, ...) are
// argmaxed over the class axis; intersections and unions are summed on the device and read once per phase.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AvgMetric, type BatchState, Metric, accumulateLabel, labelOf, labelled } from './metric.js';
import { checkDim, checkDimOf, checkInt, checkOptions, checkState, guard } from './check.js';

abstract class OverlapMetric extends Metric {
  protected inter: Tensor | null = null;
  protected union: Tensor | null = null;
  constructor(readonly axis = 1) {
    super();
    checkDim(`metrics.${new.target.name}`, 'axis', axis);
    labelled(this, `metrics.${new.target.name}`);
  }
  reset(): void {
    torch.dispose([this.inter, this.union]);
    this.inter = null;
    this.union = null;
  }
  /** Adds this batch's intersection and union (per class or total). */
  protected abstract counts(pred: Tensor, targ: Tensor, numClasses: number): [Tensor, Tensor];
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
    if (!s.pred || !s.yb[0]) return;
    checkDimOf('Metric.accumulate', () => `the axis of ${labelOf(this)}`, this.axis, s.pred, 'state.pred');
    guard(accumulateLabel(this), () => torch.tidy(() => {
      const pred = s.pred!.argmax(this.axis).flatten();
      const targ = s.yb[0]!.flatten();
      if (pred.shape[0] !== targ.shape[0]) throw new torch.FlintError(`${pred.shape[0]} predicted pixels but ${targ.shape[0]} targets`);
      // no host read per batch here: a negative target fails in bincount, and guard names the metric
      const [i, u] = this.counts(pred, targ, s.pred!.shape[this.axis < 0 ? s.pred!.ndim + this.axis : this.axis]!);
      if (this.inter === null) { this.inter = i.keep(); this.union = u.keep(); }
      else { this.inter.add_(i); this.union!.add_(u); }
    }));
  }
}

/** 2 |P ∩ T| / (|P| + |T|) for a binary target. */
export class Dice extends OverlapMetric {
  protected counts(pred: Tensor, targ: Tensor): [Tensor, Tensor] {
    return [pred.mul(targ).double().sum(), pred.add(targ).double().sum()];
  }
  get value(): number | undefined {
    if (this.inter === null) return undefined;
    const u = this.union!.item();
    return u > 0 ? (2 * this.inter.item()) / u : undefined;
  }
}

/** |P ∩ T| / |P ∪ T| for a binary target. */
export class JaccardCoeff extends Dice {
  override get value(): number | undefined {
    if (this.inter === null) return undefined;
    const i = this.inter.item();
    return i / (this.union!.item() - i);
  }
}

/** Dice per class, averaged over the classes that occur (macro F1 over pixels). */
export class DiceMulti extends OverlapMetric {
  protected counts(pred: Tensor, targ: Tensor, numClasses: number): [Tensor, Tensor] {
    const hit = pred.maskedSelect(pred.eq(targ));
    return [hit.bincount(null, numClasses).double(), pred.bincount(null, numClasses).add(targ.bincount(null, numClasses)).double()];
  }
  get value(): number | undefined {
    if (this.inter === null) return undefined;
    return torch.tidy(() => {
      const present = this.union!.gt(0);
      const d = this.inter!.mul(2).div(this.union!.clamp(1e-300)).maskedSelect(present);
      return d.numel() ? d.mean().item<number>() : undefined;
    });
  }
}

/** Pixel accuracy ignoring the background class. */
export function foregroundAcc(options: { bkgIdx?: number; axis?: number } = {}): Metric {
  const fn = 'metrics.foregroundAcc';
  const o = checkOptions(fn, options, ['bkgIdx', 'axis']);
  if (o.bkgIdx !== undefined) checkInt(fn, 'options.bkgIdx', o.bkgIdx);
  if (o.axis !== undefined) checkDim(fn, 'options.axis', o.axis);
  return labelled(new AvgMetric((p, t) => {
    const targ = t!.ndim === p.ndim ? t!.squeeze(1) : t!;
    const mask = targ.ne(o.bkgIdx ?? 0);
    return p.argmax(o.axis ?? 1).maskedSelect(mask).eq(targ.maskedSelect(mask)).float().mean();
  }, 'foregroundAcc'), fn);
}
