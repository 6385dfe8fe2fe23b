// fastai's MixUp and CutMix (training only). Each batch is mixed with a shuffled copy of itself: MixUp blends
// whole inputs with per-sample weights lam ~ Beta(alpha, alpha) (kept >= 0.5, so the original dominates), CutMix
// pastes a random box of the shuffled images with one lam per batch. With integer targets the loss is
// interpolated (lam * loss(y) + (1 - lam) * loss(y_shuffled), per item, then reduced as the loss reduces);
// with float targets the targets are blended instead. All of it stays on the device: no host reads.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { reductionHolder, withNoneReduce } from '../nn/index.js';
import { callLoss, type AroundPhase, type LossFunc } from '../learner/index.js';
import { Callback } from '../learner/callback.js';
import { checkNumber } from '../torch/validate.js';

/** lam reshaped to broadcast over the sample dimension of a tensor of `ndim` dims. */
function perSample(lam: Tensor, ndim: number): Tensor {
  return lam.numel() === 1 ? lam.reshape([]) : lam.reshape([lam.shape[0]!, ...Array<number>(ndim - 1).fill(1)]);
}

export abstract class MixHandler extends Callback {
  override runValid = false;
  readonly distrib: torch.distributions.Beta;
  /** This batch's weights of the original samples ([bs] for MixUp, one value for CutMix). */
  lam: Tensor | null = null;
  /** This batch's permutation and the targets it picked. */
  shuffle: Tensor | null = null;
  yb1: Tensor[] = [];
  private oldLf: LossFunc | null = null;
  private intTargets = false;

  constructor(alpha: number) {
    super();
    checkNumber(`callbacks.${new.target.name}`, 'alpha', alpha, { gt: 0 });
    this.distrib = new torch.distributions.Beta(alpha, alpha);
  }

  override aroundPhases: readonly AroundPhase[] = ['train'];
  /** The loss function is the mixing one for the training phase only, restored on every exit path. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'train') return next();
    const old = this.learn.lossFunc;
    this.oldLf = old;
    this.learn.lossFunc = (pred: Tensor, ...yb: Tensor[]) => this.lossFunc(pred, yb);
    try {
      await next();
    } finally {
      this.learn.lossFunc = old;
      this.oldLf = null;
    }
  }
  override afterBatch(): void {
    // the batch's tensors were freed with its scope
    this.lam = null;
    this.shuffle = null;
    this.yb1 = [];
  }

  override beforeBatch(): void {
    const y = this.yb[0];
    if (!y) throw new torch.FlintError(`${this.constructor.name}: the batch has no target`);
    this.intTargets = !torch.isFloating(y.dtype);
    const x = this.xb[0]!;
    this.shuffle = torch.randperm(y.shape[0]!, { device: x.device });
    this.yb1 = this.yb.map((t) => t.indexSelect(0, this.shuffle!));
    this.mix(x);
    if (!this.intTargets) this.learn.yb = this.yb.map((t, i) => this.yb1[i]!.lerp(t, perSample(this.lam!, t.ndim)));
  }

  /** Sets learn.xb to the mixed inputs and this.lam to the weights of the originals. */
  protected abstract mix(x: Tensor): void;

  private lossFunc(pred: Tensor, yb: Tensor[]): Tensor {
    const old = this.oldLf!;
    const call = (ys: Tensor[]): Tensor => callLoss(old, pred, ys);
    if (!this.learn.training || !this.intTargets) return call(yb);
    const [l0, l1] = withNoneReduce(old, `${this.constructor.name} with integer targets`, () => [call(yb), call(this.yb1)]);
    const loss = l1!.lerp(l0!, perSample(this.lam!, l0!.ndim));
    const reduction = reductionHolder(old)!.reduction;
    return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
  }
}

/** MixUp (Zhang et al. 2017): each input blended with a shuffled one, lam ~ Beta(alpha, alpha) per sample. */
export class MixUp extends MixHandler {
  constructor(alpha = 0.4) {
    super(alpha);
  }
  protected mix(): void {
    const bs = this.yb[0]!.shape[0]!;
    const x0 = this.xb[0]!;
    const lam = this.distrib.sample([bs], { device: x0.device });
    this.lam = torch.maximum(lam, lam.neg().add(1));
    this.learn.xb = this.xb.map((x, i) => {
      if (!torch.isFloating(x.dtype)) throw new torch.FlintError(`MixUp: input ${i} is ${x.dtype}; only float inputs can be blended`);
      return x.indexSelect(0, this.shuffle!).lerp(x, perSample(this.lam!, x.ndim));
    });
  }
}

/** CutMix (Yun et al. 2019): a box of each image replaced by the same box of a shuffled image; lam is the
 * fraction of the image left, the box's side scaled by sqrt(1 - lam0) with lam0 ~ Beta(alpha, alpha). */
export class CutMix extends MixHandler {
  constructor(alpha = 1) {
    super(alpha);
  }
  protected mix(x: Tensor): void {
    if (x.ndim !== 4) throw new torch.FlintError(`CutMix: the input must be images (N, C, H, W), got shape [${x.shape.join(', ')}]`);
    const [H, W] = [x.shape[2]!, x.shape[3]!];
    const device = x.device;
    const lam0 = this.distrib.sample([1], { device });
    const cutRat = lam0.neg().add(1).sqrt();
    const cutW = cutRat.mul(W).round().long();
    const cutH = cutRat.mul(H).round().long();
    const cx = torch.randint(0, W, [1], { device });
    const cy = torch.randint(0, H, [1], { device });
    const x1 = cx.sub(cutW.div(2, 'floor')).clamp(0, W);
    const y1 = cy.sub(cutH.div(2, 'floor')).clamp(0, H);
    const x2 = cx.add(cutW.div(2, 'floor')).clamp(0, W);
    const y2 = cy.add(cutH.div(2, 'floor')).clamp(0, H);
    // the box as a mask, so no coordinate is read back to the host
    const cols = torch.arange(0, W, 1, { dtype: 'int64', device });
    const rows = torch.arange(0, H, 1, { dtype: 'int64', device });
    const inCols = cols.ge(x1).logicalAnd(cols.lt(x2)).reshape([1, W]);
    const inRows = rows.ge(y1).logicalAnd(rows.lt(y2)).reshape([H, 1]);
    const box = inRows.logicalAnd(inCols);
    this.learn.xb = [torch.where(box, x.indexSelect(0, this.shuffle!), x), ...this.xb.slice(1)];
    this.lam = x2
      .sub(x1)
      .mul(y2.sub(y1))
      .float()
      .div(W * H)
      .neg()
      .add(1);
  }
}
