// TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual connection and
// layer norm (after, or before with normFirst), as PyTorch's.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { FACTORY_KEYS, type FactoryOptions, factory } from './options.js';
import { checkInt, checkFits, checkTensor, fail, optBool, optNum, optOneOf, nameError, optTensor, checkOptions, prob } from '../check.js';
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
    const fn = 'nn.TransformerEncoderLayer';
    checkInt(fn, 'dModel', dModel, { min: 1 });
    checkInt(fn, 'nhead', nhead, { min: 1 });
    if (dModel % nhead !== 0) fail(fn, 'nhead', `a divisor of dModel (${dModel})`, nhead);
    checkOptions(fn, o, ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', ...FACTORY_KEYS]);
    const ff = o.dimFeedforward === undefined ? 2048 : checkInt(fn, 'dimFeedforward', o.dimFeedforward, { min: 0 });
    const p = prob(fn, 'dropout', o.dropout, 0.1);
    const eps = optNum(fn, 'layerNormEps', o.layerNormEps, 1e-5, { min: 0 });
    const batchFirst = optBool(fn, 'batchFirst', o.batchFirst, false);
    this.normFirst = optBool(fn, 'normFirst', o.normFirst, false);
    this.activation = optOneOf(fn, 'activation', o.activation, ['relu', 'gelu'], 'relu');
    const f = factory(fn, o);
    // the feed-forward weights dominate: refuse sizes that cannot fit before making anything
    checkFits(fn, 'dimFeedforward', 2 * dModel * ff + 4 * dModel * dModel, f);
    try {
      // created in PyTorch's order, so a seeded layer starts from PyTorch's weights
      this.selfAttn = this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst, ...f }));
      this.linear1 = this.registerModule('linear1', new Linear(dModel, ff, f));
      this.dropout = this.registerModule('dropout', new Dropout(p));
      this.linear2 = this.registerModule('linear2', new Linear(ff, dModel, f));
      this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps, ...f }));
      this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps, ...f }));
      this.dropout1 = this.registerModule('dropout1', new Dropout(p));
      this.dropout2 = this.registerModule('dropout2', new Dropout(p));
    } catch (e) {
      this.dispose();
      throw nameError(fn, e);
    }
  }

  /** srcMask / srcKeyPaddingMask follow MultiheadAttention's conventions (true = not attended). */
  forward(src: Tensor, o: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } = {}): Tensor {
    const fn = 'nn.TransformerEncoderLayer';
    checkTensor(fn, 'src', src);
    checkOptions(fn, o, ['srcMask', 'srcKeyPaddingMask']);
    optTensor(fn, 'srcMask', o.srcMask);
    optTensor(fn, 'srcKeyPaddingMask', o.srcKeyPaddingMask);
    try {
      return this.encode(src, o);
    } catch (e) {
      // the masks reach self-attention as its attnMask / keyPaddingMask: name them as the caller did
      if (e instanceof torch.ArgumentError && e.fn === 'nn.MultiheadAttention' && (e.arg === 'attnMask' || e.arg === 'keyPaddingMask')) {
        throw new torch.ArgumentError(fn, e.arg === 'attnMask' ? 'srcMask' : 'srcKeyPaddingMask', e.expected, e.got);
      }
      throw e;
    }
  }

  private encode(src: Tensor, o: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    return torch.tidy(() => {
      const sa = (x: Tensor) =>
        this.dropout1.call(this.selfAttn.call(x, x, x, { attnMask: o.srcMask, keyPaddingMask: o.srcKeyPaddingMask, needWeights: false })[0]);
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
