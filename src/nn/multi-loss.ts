// A loss made of named parts (fastxtend's MultiLoss): the weighted sum trains the model, and each part is
// logged as its own metric (train_<part> / valid_<part> columns).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

type PartFunc = Module | ((pred: Tensor, target: Tensor) => Tensor);

export class MultiLoss extends Module {
  readonly partNames: string[];
  private readonly weights: number[];
  private readonly funcs: PartFunc[];
  /** The last call's parts (detached, owned by the batch's scope). */
  lastParts: Record<string, Tensor> = {};

  constructor(parts: Record<string, PartFunc>, weights: Record<string, number> = {}) {
    super();
    this.partNames = Object.keys(parts);
    if (this.partNames.length === 0) throw new torch.TorchError('MultiLoss: give at least one part');
    for (const k of Object.keys(weights)) if (!(k in parts)) throw new torch.TorchError(`MultiLoss: weight for unknown part '${k}'`);
    this.funcs = this.partNames.map((n) => parts[n]!);
    this.weights = this.partNames.map((n) => weights[n] ?? 1);
    this.funcs.forEach((f, i) => { if (f instanceof Module) this.registerModule(this.partNames[i]!, f); });
  }
  forward(pred: Tensor, target: Tensor): Tensor {
    const values = this.funcs.map((f) => (f instanceof Module ? f.call(pred, target) : f(pred, target)));
    this.lastParts = Object.fromEntries(this.partNames.map((n, i) => [n, values[i]!.detach()]));
    return values.map((v, i) => v.mul(this.weights[i]!)).reduce((a, b) => a.add(b));
  }
}
