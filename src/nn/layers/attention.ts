// MultiheadAttention, computed as PyTorch's multi_head_attention_forward does (packed input projection,
// scaled dot products per head, optional masks, averaged weights), with its parameter names and init.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { checkInt, checkTensor, fail, optBool, nameError, optTensor, checkOptions, prob } from '../check.js';
import { Linear } from './linear.js';

const F = torch.functional;

/** PyTorch names MultiheadAttention's output projection this way; the name shows in printouts. */
export class NonDynamicallyQuantizableLinear extends Linear {}

export interface MultiheadAttentionOptions extends FactoryOptions {
  dropout?: number;
  bias?: boolean;
  /** Inputs and output are (batch, seq, embed) instead of (seq, batch, embed). */
  batchFirst?: boolean;
}

export interface AttentionCallOptions {
  /** (batch, srcLen): true marks keys to ignore (padding); or a float mask added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** (tgtLen, srcLen) or (batch * heads, tgtLen, srcLen): true marks pairs NOT allowed to attend; or a float
   * mask added to the scores. (PyTorch's convention, the opposite of scaledDotProductAttention's.) */
  attnMask?: Tensor | null;
  /** Return the attention weights too (default true). */
  needWeights?: boolean;
  /** Average the weights over the heads (default true). */
  averageAttnWeights?: boolean;
}

/** A boolean mask as an additive float mask (-inf where true), a float mask as it is. */
function additive(mask: Tensor, like: Tensor): Tensor {
  return mask.dtype === 'bool'
    ? torch.zeros([...mask.shape], { dtype: like.dtype, device: like.device }).maskedFill(mask, -Infinity)
    : mask.to(like.dtype);
}

export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  readonly outProj: NonDynamicallyQuantizableLinear;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    o: MultiheadAttentionOptions = {},
  ) {
    super();
    const fn = 'nn.MultiheadAttention';
    checkInt(fn, 'embedDim', embedDim, { min: 1 });
    checkInt(fn, 'numHeads', numHeads, { min: 1 });
    if (embedDim % numHeads !== 0) fail(fn, 'numHeads', `a divisor of embedDim (${embedDim})`, numHeads);
    checkOptions(fn, o, ['dropout', 'bias', 'batchFirst', ...FACTORY_KEYS]);
    this.headDim = embedDim / numHeads;
    this.dropout = prob(fn, 'dropout', o.dropout, 0);
    this.batchFirst = optBool(fn, 'batchFirst', o.batchFirst, false);
    const bias = optBool(fn, 'bias', o.bias, true);
    const f = factory(fn, o);
    this.inProjWeight = this.registerParameter('in_proj_weight', emptyParam(fn, 'in_proj_weight', [3 * embedDim, embedDim], f));
    try {
      this.inProjBias = this.registerParameter('in_proj_bias', bias ? emptyParam(fn, 'in_proj_bias', [3 * embedDim], f) : null);
      // created (and default-initialized) before the reset below, as in PyTorch, so seeded weights agree
      this.outProj = this.registerModule(
        'out_proj',
        new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, device: f.device, dtype: f.dtype }),
      );
    } catch (e) {
      this.dispose();
      throw nameError(fn, e);
    }
    init.xavierUniform_(this.inProjWeight);
    if (this.inProjBias) init.zeros_(this.inProjBias);
    if (this.outProj.bias) init.zeros_(this.outProj.bias);
  }

  /** Returns [output, weights]: weights (batch, tgtLen, srcLen), or per head (batch, heads, tgtLen, srcLen)
   * when averageAttnWeights is false, or null when needWeights is false. */
  forward(query: Tensor, key: Tensor, value: Tensor, o: AttentionCallOptions = {}): [Tensor, Tensor | null] {
    const { bsz, tgtLen, srcLen } = this.checkInputs(query, key, value, o);
    return torch.tidy(() => {
      // work in (seq, batch, embed)
      const [q0, k0, v0] = this.batchFirst ? ([query, key, value].map((t) => t.transpose(0, 1)) as [Tensor, Tensor, Tensor]) : [query, key, value];
      const E = this.embedDim;
      const h = this.numHeads;
      const w = this.inProjWeight;
      const b = this.inProjBias;
      const part = (i: number) => [w.narrow(0, i * E, E), b ? b.narrow(0, i * E, E) : null] as const;
      const q = F.linear(q0, ...part(0));
      const k = F.linear(k0, ...part(1));
      const v = F.linear(v0, ...part(2));
      const heads = (t: Tensor, len: number) => t.reshape(len, bsz * h, this.headDim).transpose(0, 1); // (N*h, len, hd)
      const qh = heads(q, tgtLen).mul(Math.sqrt(1 / this.headDim));
      const kh = heads(k, srcLen);
      const vh = heads(v, srcLen);
      let mask: Tensor | null = null;
      if (o.attnMask !== undefined && o.attnMask !== null) {
        mask = additive(o.attnMask, qh);
        if (mask.ndim === 2) mask = mask.unsqueeze(0);
      }
      if (o.keyPaddingMask !== undefined && o.keyPaddingMask !== null) {
        const kpm = additive(o.keyPaddingMask, qh)
          .reshape(bsz, 1, 1, srcLen)
          .expand(bsz, h, 1, srcLen)
          .reshape(bsz * h, 1, srcLen);
        mask = mask ? mask.add(kpm) : kpm;
      }
      let weights = mask ? torch.baddbmm(mask.expand(bsz * h, tgtLen, srcLen), qh, kh.transpose(1, 2)) : qh.bmm(kh.transpose(1, 2));
      weights = weights.softmax(-1);
      if (this.dropout > 0) weights = F.dropout(weights, this.dropout, this.training);
      const out = weights
        .bmm(vh)
        .transpose(0, 1)
        .contiguous()
        .reshape(tgtLen * bsz, E);
      let y = this.outProj.call(out).reshape(tgtLen, bsz, E);
      if (this.batchFirst) y = y.transpose(0, 1);
      if (o.needWeights === false) return [y, null] as [Tensor, Tensor | null];
      const perHead = weights.reshape(bsz, h, tgtLen, srcLen);
      return [y, o.averageAttnWeights === false ? perHead : perHead.mean(1)] as [Tensor, Tensor | null];
    });
  }

  /** Shapes and options, checked before any work: the sizes forward needs, or an error nameError the argument. */
  private checkInputs(query: Tensor, key: Tensor, value: Tensor, o: AttentionCallOptions): { bsz: number; tgtLen: number; srcLen: number } {
    const fn = 'nn.MultiheadAttention';
    const E = this.embedDim;
    const layout = this.batchFirst ? '(batch, seq, embedDim)' : '(seq, batch, embedDim)';
    for (const [arg, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (checkTensor(fn, arg, t).ndim !== 3 || t.shape[2] !== E) fail(fn, arg, `a 3-d tensor ${layout} with embedDim ${E}`, t);
    }
    const [b, s] = this.batchFirst ? [0, 1] : [1, 0];
    const bsz = query.shape[b]!;
    const tgtLen = query.shape[s]!;
    const srcLen = key.shape[s]!;
    if (key.shape[b] !== bsz) fail(fn, 'key', `batch size ${bsz} (the query's)`, key);
    if (value.shape.join() !== key.shape.join()) fail(fn, 'value', `the key's shape [${key.shape.join(', ')}]`, value);
    checkOptions(fn, o, ['keyPaddingMask', 'attnMask', 'needWeights', 'averageAttnWeights'], 'options');
    optBool(fn, 'needWeights', o.needWeights, true);
    optBool(fn, 'averageAttnWeights', o.averageAttnWeights, true);
    const mask = (arg: string, shapes: number[][]) => {
      const m = optTensor(fn, arg, (o as Record<string, unknown>)[arg]);
      if (m === null) return;
      const okShape = shapes.some((sh) => sh.join() === m.shape.join());
      if (!okShape || !(m.dtype === 'bool' || torch.isFloating(m.dtype))) {
        fail(fn, arg, `a bool or float tensor of shape ${shapes.map((sh) => `[${sh.join(', ')}]`).join(' or ')}`, m);
      }
    };
    mask('attnMask', [
      [tgtLen, srcLen],
      [bsz * this.numHeads, tgtLen, srcLen],
    ]);
    mask('keyPaddingMask', [[bsz, srcLen]]);
    return { bsz, tgtLen, srcLen };
  }
}
