// fastai's flattened losses: the class axis is moved last and input and target are flattened before the
// loss, so the same loss serves images, sequences and tables. Each carries the activation and decodes that
// getPreds / predict apply to raw outputs.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss } from './loss.js';

type Reduction = torch.functional.Reduction;

abstract class FlatLoss extends Module {
  constructor(readonly func: Module & { forward(input: Tensor, target: Tensor): Tensor }, readonly axis: number,
    readonly flatten: boolean, readonly floatify: boolean, readonly is2d: boolean) {
    super();
    this.registerModule('func', func);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return torch.tidy(() => {
      let inp = input.transpose(this.axis, -1).contiguous();
      let targ = target.transpose(this.axis, -1).contiguous();
      if (this.floatify && targ.dtype !== 'float16') targ = targ.float();
      if (targ.dtype === 'int8' || targ.dtype === 'int16' || targ.dtype === 'int32') targ = targ.long();
      if (this.flatten) {
        inp = this.is2d ? inp.reshape(-1, inp.shape[inp.ndim - 1]!) : inp.reshape(-1);
        targ = targ.reshape(-1);
      }
      return this.func.call(inp, targ);
    });
  }
  /** What getPreds applies to raw model outputs (probabilities). */
  abstract activation(x: Tensor): Tensor;
  /** What predict applies to activations (class indices, booleans, values). */
  abstract decodes(x: Tensor): Tensor;
  override toString(): string {
    return `FlattenedLoss of ${this.func.toString()}`;
  }
}

/** Cross entropy over the class axis (default last), for any number of leading dims. */
export class CrossEntropyLossFlat extends FlatLoss {
  constructor(o: { axis?: number; flatten?: boolean; weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(new CrossEntropyLoss(o), o.axis ?? -1, o.flatten ?? true, false, true);
  }
  activation(x: Tensor): Tensor { return x.softmax(this.axis); }
  decodes(x: Tensor): Tensor { return x.argmax(this.axis); }
}

/** Binary cross entropy on logits with float targets; decodes by a threshold on the sigmoid. */
export class BCEWithLogitsLossFlat extends FlatLoss {
  readonly thresh: number;
  constructor(o: { axis?: number; flatten?: boolean; floatify?: boolean; thresh?: number; weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    if (o.posWeight && o.flatten === true) throw new torch.TorchError('BCEWithLogitsLossFlat: flatten must be false with posWeight (its shape would not match)');
    super(new BCEWithLogitsLoss(o), o.axis ?? -1, o.posWeight ? false : (o.flatten ?? true), o.floatify ?? true, false);
    this.thresh = o.thresh ?? 0.5;
  }
  activation(x: Tensor): Tensor { return x.sigmoid(); }
  decodes(x: Tensor): Tensor { return x.gt(this.thresh); }
}

/** Mean squared error on flattened, float targets. */
export class MSELossFlat extends FlatLoss {
  constructor(o: { axis?: number; flatten?: boolean; floatify?: boolean; reduction?: Reduction } = {}) {
    super(new MSELoss(o), o.axis ?? -1, o.flatten ?? true, o.floatify ?? true, false);
  }
  activation(x: Tensor): Tensor { return x; }
  decodes(x: Tensor): Tensor { return x; }
}
