// LSTM and GRU on libtorch's fused kernels, with PyTorch's parameter names, order, init and shapes.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyBool, pyFloat } from '../repr.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { checkInt, checkFits, checkTensor, fail, optBool, checkOptions, prob } from '../check.js';

export interface RnnOptions extends FactoryOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output are (batch, seq, feature) instead of (seq, batch, feature). */
  batchFirst?: boolean;
  /** Dropout between layers (not after the last), in training mode. */
  dropout?: number;
  bidirectional?: boolean;
}

abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** In libtorch's order: per layer and direction, weight_ih, weight_hh, bias_ih, bias_hh. */
  protected readonly flatWeights: Tensor[] = [];

  constructor(
    gates: number,
    readonly inputSize: number,
    readonly hiddenSize: number,
    o: RnnOptions,
  ) {
    super();
    const fn = `nn.${new.target.name}`;
    checkInt(fn, 'inputSize', inputSize, { min: 0 });
    checkInt(fn, 'hiddenSize', hiddenSize, { min: 1 });
    checkOptions(fn, o, ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', ...FACTORY_KEYS]);
    this.numLayers = o.numLayers === undefined ? 1 : checkInt(fn, 'numLayers', o.numLayers, { min: 1 });
    this.bias = optBool(fn, 'bias', o.bias, true);
    this.batchFirst = optBool(fn, 'batchFirst', o.batchFirst, false);
    this.dropout = prob(fn, 'dropout', o.dropout, 0);
    this.bidirectional = optBool(fn, 'bidirectional', o.bidirectional, false);
    const f = factory(fn, o);
    const dirs = this.bidirectional ? 2 : 1;
    // all layers together must fit before the first is made (numLayers could be huge)
    const g = gates * hiddenSize;
    const perDir = (inSize: number) => g * (inSize + hiddenSize) + (this.bias ? 2 * g : 0);
    checkFits(fn, 'the parameters', dirs * (perDir(inputSize) + (this.numLayers - 1) * perDir(hiddenSize * dirs)), f);
    try {
      for (let l = 0; l < this.numLayers; l++) {
        for (let d = 0; d < dirs; d++) {
          const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
          const inSize = l === 0 ? inputSize : hiddenSize * dirs;
          this.flatWeights.push(this.registerParameter(`weight_ih${sfx}`, emptyParam(fn, `weight_ih${sfx}`, [g, inSize], f)));
          this.flatWeights.push(this.registerParameter(`weight_hh${sfx}`, emptyParam(fn, `weight_hh${sfx}`, [g, hiddenSize], f)));
          if (this.bias) {
            this.flatWeights.push(this.registerParameter(`bias_ih${sfx}`, emptyParam(fn, `bias_ih${sfx}`, [g], f)));
            this.flatWeights.push(this.registerParameter(`bias_hh${sfx}`, emptyParam(fn, `bias_hh${sfx}`, [g], f)));
          }
        }
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.resetParameters();
  }
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }
  /** Batches an unbatched (seq, feature) input; checks the feature size. */
  protected prepare(input: Tensor): { x: Tensor; batched: boolean; batch: number } {
    const fn = `nn.${this.constructor.name}`;
    if (checkTensor(fn, 'input', input).ndim !== 2 && input.ndim !== 3) fail(fn, 'input', 'a 2-d (unbatched) or 3-d tensor', input);
    if (input.shape[input.ndim - 1] !== this.inputSize) fail(fn, 'input', `${this.inputSize} features (inputSize) in the last dimension`, input);
    const batched = input.ndim === 3;
    const x = batched ? input : input.unsqueeze(this.batchFirst ? 0 : 1);
    return { x, batched, batch: x.shape[this.batchFirst ? 0 : 1]! };
  }
  protected hiddenShape(batch: number): number[] {
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, this.hiddenSize];
  }
  protected checkHidden(h: Tensor, batch: number, what: string, batched: boolean): Tensor {
    const fn = `nn.${this.constructor.name}`;
    const shape = this.hiddenShape(batch);
    const want = batched ? shape : [shape[0], shape[2]];
    if (checkTensor(fn, what, h).shape.join() !== want.join()) fail(fn, what, `a tensor of shape [${want.join(', ')}]`, h);
    return batched ? h : h.unsqueeze(1);
  }
  protected options(): torch.functional.RnnOptions {
    return {
      hasBiases: this.bias,
      numLayers: this.numLayers,
      dropout: this.dropout,
      training: this.training,
      bidirectional: this.bidirectional,
      batchFirst: this.batchFirst,
    };
  }
  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/** LSTM: forward(input, [h0, c0]?) returns [output, [hN, cN]]. */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, o: RnnOptions = {}) {
    super(4, inputSize, hiddenSize, o);
  }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) fail('nn.LSTM', 'hx', 'an array [h0, c0] of two tensors', hx);
    return torch.tidy(() => {
      const { x, batched, batch } = this.prepare(input);
      const opts = { dtype: x.dtype, device: x.device };
      const h0 = hx ? this.checkHidden(hx[0], batch, 'h0', batched) : torch.zeros(this.hiddenShape(batch), opts);
      const c0 = hx ? this.checkHidden(hx[1], batch, 'c0', batched) : torch.zeros(this.hiddenShape(batch), opts);
      const [out, h, c] = torch.functional.lstm(x, [h0, c0], this.flatWeights, this.options());
      if (batched) return [out, [h, c]] as [Tensor, [Tensor, Tensor]];
      return [out.squeeze(this.batchFirst ? 0 : 1), [h.squeeze(1), c.squeeze(1)]] as [Tensor, [Tensor, Tensor]];
    });
  }
}

/** GRU: forward(input, h0?) returns [output, hN]. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, o: RnnOptions = {}) {
    super(3, inputSize, hiddenSize, o);
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    return torch.tidy(() => {
      const { x, batched, batch } = this.prepare(input);
      const h0 =
        hx !== undefined && hx !== null
          ? this.checkHidden(hx, batch, 'h0', batched)
          : torch.zeros(this.hiddenShape(batch), { dtype: x.dtype, device: x.device });
      const [out, h] = torch.functional.gru(x, h0, this.flatWeights, this.options());
      if (batched) return [out, h] as [Tensor, Tensor];
      return [out.squeeze(this.batchFirst ? 0 : 1), h.squeeze(1)] as [Tensor, Tensor];
    });
  }
}
