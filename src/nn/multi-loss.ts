// A loss made of named parts (fastxtend's MultiLoss): the weighted sum trains the model, and each part is
// logged as its own metric (train_<part> / valid_<part> columns).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';
import type { LossFunction } from './loss-function.js';
import { checkNumber, fail, checkOptions, isPlainObject } from './check.js';

type PartFunc = Module | ((pred: Tensor, target: Tensor) => Tensor);

export class MultiLoss extends Module implements LossFunction {
  readonly partNames: string[];
  private readonly weights: number[];
  private readonly funcs: PartFunc[];
  /** The last call's parts (detached, owned by the batch's scope). */
  lastParts: Record<string, Tensor> = {};

  constructor(parts: Record<string, PartFunc>, weights: Record<string, number> = {}) {
    super();
    const fn = 'nn.MultiLoss';
    if (!isPlainObject(parts)) fail(fn, 'parts', 'a record of losses by name ({ ce: lossA, l1: lossB })', parts);
    this.partNames = Object.keys(parts);
    if (this.partNames.length === 0) fail(fn, 'parts', 'at least one part', parts);
    for (const n of this.partNames) {
      const f = parts[n];
      if (!(f instanceof Module) && typeof f !== 'function') fail(fn, `parts.${n}`, 'a loss module or a function (pred, target) => tensor', f);
      if (n.includes('.')) fail(fn, 'parts', "part names without '.'", n);
    }
    checkOptions(fn, weights, this.partNames, 'weights');
    for (const [k, w] of Object.entries(weights)) checkNumber(fn, `weights.${k}`, w);
    this.funcs = this.partNames.map((n) => parts[n]!);
    this.weights = this.partNames.map((n) => weights[n] ?? 1);
    this.funcs.forEach((f, i) => {
      if (f instanceof Module) this.registerModule(this.partNames[i]!, f);
    });
  }
  forward(pred: Tensor, target: Tensor): Tensor {
    const values = this.funcs.map((f, i) => {
      const v = f instanceof Module ? f.call(pred, target) : f(pred, target);
      if (!(v instanceof torch.Tensor)) fail('nn.MultiLoss', `the part '${this.partNames[i]}'`, 'a loss function returning a tensor', v);
      return v;
    });
    this.lastParts = Object.fromEntries(this.partNames.map((n, i) => [n, values[i]!.detach()]));
    return values.map((v, i) => v.mul(this.weights[i]!)).reduce((a, b) => a.add(b));
  }
}
