// LSTM and GRU on libtorch's fused kernels, with PyTorch's parameter names, order, init and shapes.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { pyBool, pyFloat } from '../repr.js';
import { type FactoryOptions, emptyParam, positiveInt } from './options.js';

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

  constructor(gates: number, readonly inputSize: number, readonly hiddenSize: number, o: RnnOptions) {
    super();
    const layer = new.target.name;
    positiveInt('inputSize', inputSize, layer);
    positiveInt('hiddenSize', hiddenSize, layer);
    this.numLayers = positiveInt('numLayers', o.numLayers ?? 1, layer);
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropout = o.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new torch.TorchError(`${layer}: dropout must be in [0, 1], got ${this.dropout}`);
    this.bidirectional = o.bidirectional ?? false;
    const dirs = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const inSize = l === 0 ? inputSize : hiddenSize * dirs;
        this.flatWeights.push(this.registerParameter(`weight_ih${sfx}`, emptyParam([gates * hiddenSize, inSize], o)));
        this.flatWeights.push(this.registerParameter(`weight_hh${sfx}`, emptyParam([gates * hiddenSize, hiddenSize], o)));
        if (this.bias) {
          this.flatWeights.push(this.registerParameter(`bias_ih${sfx}`, emptyParam([gates * hiddenSize], o)));
          this.flatWeights.push(this.registerParameter(`bias_hh${sfx}`, emptyParam([gates * hiddenSize], o)));
        }
      }
    }
    this.resetParameters();
  }
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }
  /** Batches an unbatched (seq, feature) input; checks the feature size. */
  protected prepare(input: Tensor): { x: Tensor; batched: boolean; batch: number } {
    const layer = this.constructor.name;
    if (input.ndim !== 2 && input.ndim !== 3) throw new torch.TorchError(`${layer}: expected a 2-d (unbatched) or 3-d input, got shape [${input.shape.join(', ')}]`);
    if (input.shape[input.ndim - 1] !== this.inputSize) throw new torch.TorchError(`${layer}: input has ${input.shape[input.ndim - 1]} features, expected inputSize ${this.inputSize}`);
    const batched = input.ndim === 3;
    const x = batched ? input : input.unsqueeze(this.batchFirst ? 0 : 1);
    return { x, batched, batch: x.shape[this.batchFirst ? 0 : 1]! };
  }
  protected hiddenShape(batch: number): number[] {
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, this.hiddenSize];
  }
  protected checkHidden(h: Tensor, batch: number, what: string, batched: boolean): Tensor {
    const shape = this.hiddenShape(batch);
    const hb = batched ? h : h.unsqueeze(1);
    if (hb.shape.join() !== shape.join()) {
      throw new torch.TorchError(`${this.constructor.name}: ${what} has shape [${h.shape.join(', ')}], expected [${(batched ? shape : [shape[0], shape[2]]).join(', ')}]`);
    }
    return hb;
  }
  protected options(): torch.functional.RnnOptions {
    return { hasBiases: this.bias, numLayers: this.numLayers, dropout: this.dropout, training: this.training,
      bidirectional: this.bidirectional, batchFirst: this.batchFirst };
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
  forward(input: Tensor, hx?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
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
  forward(input: Tensor, hx?: Tensor): [Tensor, Tensor] {
    return torch.tidy(() => {
      const { x, batched, batch } = this.prepare(input);
      const h0 = hx ? this.checkHidden(hx, batch, 'h0', batched) : torch.zeros(this.hiddenShape(batch), { dtype: x.dtype, device: x.device });
      const [out, h] = torch.functional.gru(x, h0, this.flatWeights, this.options());
      if (batched) return [out, h] as [Tensor, Tensor];
      return [out.squeeze(this.batchFirst ? 0 : 1), h.squeeze(1)] as [Tensor, Tensor];
    });
  }
}
