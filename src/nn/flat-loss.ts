// fastai's flattened losses: the class axis is moved last and input and target are flattened before the
// loss, so the same loss serves images, sequences and tables. Each carries the activation and decodes that
// getPreds / predict apply to raw outputs.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';
import type { LossFunction } from './loss-function.js';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss } from './loss.js';
import { checkInt, checkNumber, checkOptions, checkTensor, fail, named, optBool } from './check.js';

type Reduction = torch.functional.Reduction;

abstract class FlatLoss extends Module implements LossFunction {
  constructor(
    readonly func: Module & LossFunction & { forward(input: Tensor, target: Tensor): Tensor },
    readonly axis: number,
    readonly flatten: boolean,
    readonly floatify: boolean,
    readonly is2d: boolean,
  ) {
    super();
    this.registerModule('func', func);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    checkTensor(`nn.${this.constructor.name}`, 'input', input);
    checkTensor(`nn.${this.constructor.name}`, 'target', target);
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
  /** The wrapped loss's reduction (what withNoneReduce switches). */
  get reduction(): Reduction {
    return this.func.reduction ?? 'mean';
  }
  set reduction(r: Reduction) {
    this.func.reduction = r;
  }
  /** What getPreds applies to raw model outputs (probabilities). */
  abstract activation(x: Tensor): Tensor;
  /** What predict applies to activations (class indices, booleans, values). */
  abstract decodes(x: Tensor): Tensor;
  override toString(): string {
    return `FlattenedLoss of ${this.func.toString()}`;
  }
}

/** The flattening options, checked; the rest (the wrapped loss's own options) is returned apart. */
function split<O extends { axis?: number; flatten?: boolean; floatify?: boolean; thresh?: number }>(
  fn: string,
  o: O,
  flatKeys: readonly string[],
  lossKeys: readonly string[],
): { axis: number; flatten: boolean | undefined; floatify: boolean | undefined; rest: Record<string, unknown> } {
  checkOptions(fn, o, [...flatKeys, ...lossKeys]);
  const axis = o.axis === undefined ? -1 : checkInt(fn, 'axis', o.axis);
  const flatten = o.flatten === undefined ? undefined : optBool(fn, 'flatten', o.flatten, true);
  const floatify = o.floatify === undefined ? undefined : optBool(fn, 'floatify', o.floatify, true);
  const rest = Object.fromEntries(Object.entries(o).filter(([k]) => lossKeys.includes(k)));
  return { axis, flatten, floatify, rest };
}

/** Builds the wrapped loss; its errors name the flattened class the user made. */
function inner<T>(fn: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof torch.ArgumentError && e.fn !== fn) throw new torch.ArgumentError(fn, e.arg, e.expected, e.got, { cause: e });
    throw e;
  }
}

/** Cross entropy over the class axis (default last), for any number of leading dims. */
export class CrossEntropyLossFlat extends FlatLoss {
  /** floatify (default false, as fastai's) casts the targets to float: for class probabilities instead of indices. */
  constructor(
    o: {
      axis?: number;
      flatten?: boolean;
      floatify?: boolean;
      weight?: Tensor | null;
      ignoreIndex?: number;
      reduction?: Reduction;
      labelSmoothing?: number;
    } = {},
  ) {
    const fn = 'nn.CrossEntropyLossFlat';
    const a = split(fn, o, ['axis', 'flatten', 'floatify'], ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
    super(
      inner(fn, () => new CrossEntropyLoss(a.rest)),
      a.axis,
      a.flatten ?? true,
      a.floatify ?? false,
      true,
    );
  }
  activation(x: Tensor): Tensor {
    return named('CrossEntropyLossFlat.activation', () => checkTensor('CrossEntropyLossFlat.activation', 'x', x).softmax(this.axis));
  }
  decodes(x: Tensor): Tensor {
    return named('CrossEntropyLossFlat.decodes', () => checkTensor('CrossEntropyLossFlat.decodes', 'x', x).argmax(this.axis));
  }
}

/** Binary cross entropy on logits with float targets; decodes by a threshold on the sigmoid. */
export class BCEWithLogitsLossFlat extends FlatLoss {
  readonly thresh: number;
  constructor(
    o: {
      axis?: number;
      flatten?: boolean;
      floatify?: boolean;
      thresh?: number;
      weight?: Tensor | null;
      posWeight?: Tensor | null;
      reduction?: Reduction;
    } = {},
  ) {
    const fn = 'nn.BCEWithLogitsLossFlat';
    const a = split(fn, o, ['axis', 'flatten', 'floatify', 'thresh'], ['weight', 'posWeight', 'reduction']);
    const thresh = o.thresh === undefined ? 0.5 : checkNumber(fn, 'thresh', o.thresh);
    const hasPos = o.posWeight !== undefined && o.posWeight !== null;
    if (hasPos && a.flatten === true)
      fail(fn, 'flatten', 'false with posWeight (flatten must be false with posWeight: its shape would not match)', true);
    super(
      inner(fn, () => new BCEWithLogitsLoss(a.rest)),
      a.axis,
      hasPos ? false : (a.flatten ?? true),
      a.floatify ?? true,
      false,
    );
    this.thresh = thresh;
  }
  activation(x: Tensor): Tensor {
    return named('BCEWithLogitsLossFlat.activation', () => checkTensor('BCEWithLogitsLossFlat.activation', 'x', x).sigmoid());
  }
  decodes(x: Tensor): Tensor {
    return named('BCEWithLogitsLossFlat.decodes', () => checkTensor('BCEWithLogitsLossFlat.decodes', 'x', x).gt(this.thresh));
  }
}

/** Mean squared error on flattened, float targets. */
export class MSELossFlat extends FlatLoss {
  constructor(o: { axis?: number; flatten?: boolean; floatify?: boolean; reduction?: Reduction } = {}) {
    const fn = 'nn.MSELossFlat';
    const a = split(fn, o, ['axis', 'flatten', 'floatify'], ['reduction']);
    super(
      inner(fn, () => new MSELoss(a.rest)),
      a.axis,
      a.flatten ?? true,
      a.floatify ?? true,
      false,
    );
  }
  activation(x: Tensor): Tensor {
    return named('MSELossFlat.activation', () => checkTensor('MSELossFlat.activation', 'x', x));
  }
  decodes(x: Tensor): Tensor {
    return named('MSELossFlat.decodes', () => checkTensor('MSELossFlat.decodes', 'x', x));
  }
}
