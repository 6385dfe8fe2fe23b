// TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual connection and
// layer norm (after, or before with normFirst), as PyTorch's.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { type FactoryOptions, positiveInt } from './options.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';
import { Dropout } from './dropout.js';
import { MultiheadAttention } from './attention.js';

export interface TransformerEncoderLayerOptions extends FactoryOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
}

export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';

  constructor(dModel: number, nhead: number, o: TransformerEncoderLayerOptions = {}) {
    super();
    positiveInt('dModel', dModel, 'TransformerEncoderLayer');
    const ff = o.dimFeedforward ?? 2048;
    const p = o.dropout ?? 0.1;
    const f = { device: o.device, dtype: o.dtype };
    // created in PyTorch's order, so a seeded layer starts from PyTorch's weights
    this.selfAttn = this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: o.batchFirst, ...f }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, ff, f));
    this.dropout = this.registerModule('dropout', new Dropout(p));
    this.linear2 = this.registerModule('linear2', new Linear(ff, dModel, f));
    this.normFirst = o.normFirst ?? false;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps: o.layerNormEps ?? 1e-5, ...f }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps: o.layerNormEps ?? 1e-5, ...f }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p));
    this.activation = o.activation ?? 'relu';
    if (this.activation !== 'relu' && this.activation !== 'gelu') throw new torch.TorchError(`TransformerEncoderLayer: activation must be 'relu' or 'gelu', got ${JSON.stringify(this.activation)}`);
  }

  /** srcMask / srcKeyPaddingMask follow MultiheadAttention's conventions (true = not attended). */
  forward(src: Tensor, o: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } = {}): Tensor {
    return torch.tidy(() => {
      const sa = (x: Tensor) => this.dropout1.call(this.selfAttn.call(x, x, x, { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, needWeights: false })[0]);
      const act = (x: Tensor) => (this.activation === 'relu' ? x.relu() : x.gelu());
      const ffb = (x: Tensor) => this.dropout2.call(this.linear2.call(this.dropout.call(act(this.linear1.call(x)))));
      let x = src;
      if (this.normFirst) {
        x = x.add(sa(this.norm1.call(x)));
        x = x.add(ffb(this.norm2.call(x)));
      } else {
        x = this.norm1.call(x.add(sa(x)));
        x = this.norm2.call(x.add(ffb(x)));
      }
      return x;
    });
  }
}
