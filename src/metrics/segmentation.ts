// Segmentation metrics (fastai's Dice, DiceMulti, JaccardCoeff, JaccardCoeffMulti, foregroundAcc): predictions (N, C, ...) are
// argmaxed over the class axis; intersections and unions are summed on the device and read once per phase.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AvgMetric, type BatchState, Metric, accumulateLabel, labelOf, labelled } from './metric.js';
import { tensorSumOverRanks } from './sync.js';
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
  /** The intersections and unions summed over every rank (see Metric.syncRanks). */
  override async syncRanks(): Promise<void> {
    if (this.inter === null || this.union === null) {
      throw new torch.FlintError(`${labelOf(this)}: a rank saw no batch of the validation set, so its sums have no shape to combine`);
    }
    const inter = await tensorSumOverRanks(this.inter);
    const union = await tensorSumOverRanks(this.union);
    this.reset();
    this.inter = inter;
    this.union = union;
  }
  /** Adds this batch's intersection and union (per class or total). */
  protected abstract counts(pred: Tensor, targ: Tensor, numClasses: number): [Tensor, Tensor];
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
    if (!s.pred || !s.yb[0]) return;
    checkDimOf('Metric.accumulate', () => `the axis of ${labelOf(this)}`, this.axis, s.pred, 'state.pred');
    guard(accumulateLabel(this), () =>
      torch.tidy(() => {
        const pred = s.pred!.argmax(this.axis).flatten();
        const targ = s.yb[0]!.flatten();
        if (pred.shape[0] !== targ.shape[0]) throw new torch.FlintError(`${pred.shape[0]} predicted pixels but ${targ.shape[0]} targets`);
        // no host read per batch here: what a target outside the classes does is each metric's counts' business
        const [i, u] = this.counts(pred, targ, s.pred!.shape[this.axis < 0 ? s.pred!.ndim + this.axis : this.axis]!);
        if (this.inter === null) {
          this.inter = i.keep();
          this.union = u.keep();
        } else {
          this.inter.add_(i);
          this.union!.add_(u);
        }
      }),
    );
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

/** Dice per class, averaged over the classes that occur (macro F1 over pixels). As fastai compares targets with
 * each class index (targ == c), targets of any real dtype count where they equal a class in [0, C) (1.0 is
 * class 1), and other values (255 for "void", -1, 0.5) are in no class. */
export class DiceMulti extends OverlapMetric {
  protected counts(pred: Tensor, targ: Tensor, numClasses: number): [Tensor, Tensor] {
    const t = targ.dtype === 'bool' ? targ.long() : targ;
    // values in no class go to an extra bin, dropped (no host read: a mask, not a filter)
    const isClass = t.ge(0).logicalAnd(t.lt(numClasses));
    const inClass = t.dtype.startsWith('float') || t.dtype === 'bfloat16' ? isClass.logicalAnd(t.eq(t.floor())) : isClass;
    const tc = torch
      .where(inClass, t, numClasses)
      .long()
      .bincount(null, numClasses + 1)
      .narrow(0, 0, numClasses);
    const inter = pred.bincount(pred.eq(t).double(), numClasses);
    return [inter.double(), pred.bincount(null, numClasses).add(tc).double()];
  }
  /** The mean over the classes that occur of a score of (intersection, union); undefined when none occurs. */
  protected meanOver(score: (inter: Tensor, union: Tensor) => Tensor): number | undefined {
    if (this.inter === null) return undefined;
    return torch.tidy(() => {
      const present = this.union!.gt(0);
      const d = score(this.inter!, this.union!.clamp(1e-300)).maskedSelect(present);
      return d.numel() ? d.mean().item<number>() : undefined;
    });
  }
  get value(): number | undefined {
    return this.meanOver((i, u) => i.mul(2).div(u));
  }
}

/** Jaccard (IoU) per class, averaged over the classes that occur: fastai's JaccardCoeffMulti (mIoU). */
export class JaccardCoeffMulti extends DiceMulti {
  override get value(): number | undefined {
    // a class that occurs has union > inter (union counts its pixels twice where they agree), so no 0 / 0
    return this.meanOver((i, u) => i.div(u.sub(i)));
  }
}

/** Pixel accuracy ignoring the background class. */
export function foregroundAcc(options: { bkgIdx?: number; axis?: number } = {}): Metric {
  const fn = 'metrics.foregroundAcc';
  const o = checkOptions(fn, options, ['bkgIdx', 'axis']);
  if (o.bkgIdx !== undefined) checkInt(fn, 'options.bkgIdx', o.bkgIdx);
  if (o.axis !== undefined) checkDim(fn, 'options.axis', o.axis);
  return labelled(
    new AvgMetric((p, t) => {
      const targ = t!.ndim === p.ndim ? t!.squeeze(1) : t!;
      const mask = targ.ne(o.bkgIdx ?? 0);
      return p
        .argmax(o.axis ?? 1)
        .maskedSelect(mask)
        .eq(targ.maskedSelect(mask))
        .float()
        .mean();
    }, 'foregroundAcc'),
    fn,
  );
}
