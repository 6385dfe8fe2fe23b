// Embedding: a lookup table of vectors, N(0, 1) initialized; the padding row is zero and gets no gradient.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { FACTORY_KEYS, type FactoryOptions, emptyParam, factory } from './options.js';
import { checkInt, checkTensor, fail, optOneOf, optTensor, checkOptions } from '../check.js';

/** A padding index checked against the table size, negative ones counted from the end. */
function paddingIndex(fn: string, pad: unknown, numEmbeddings: number): number | null {
  if (pad === null || pad === undefined) return null;
  if (typeof pad !== 'number' || !Number.isSafeInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings) {
    fail(fn, 'paddingIdx', `an integer within numEmbeddings (${numEmbeddings}), from ${-numEmbeddings} to ${numEmbeddings - 1}`, pad);
  }
  return pad < 0 ? pad + numEmbeddings : pad;
}
/** N(0, 1) rows, the padding row zero (PyTorch's embedding init). */
function initTable(weight: Tensor, paddingIdx: number | null): void {
  init.normal_(weight);
  if (paddingIdx !== null)
    torch.noGrad(() =>
      torch.tidy(() => {
        weight.select(0, paddingIdx).zero_();
      }),
    );
}

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    o: { paddingIdx?: number | null } & FactoryOptions = {},
  ) {
    super();
    const fn = 'nn.Embedding';
    checkInt(fn, 'numEmbeddings', numEmbeddings, { min: 0 });
    checkInt(fn, 'embeddingDim', embeddingDim, { min: 0 });
    checkOptions(fn, o, ['paddingIdx', ...FACTORY_KEYS]);
    this.paddingIdx = paddingIndex(fn, o.paddingIdx, numEmbeddings);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', emptyParam(fn, 'weight', [numEmbeddings, embeddingDim], f));
    this.resetParameters();
  }
  resetParameters(): void {
    initTable(this.weight, this.paddingIdx);
  }
  forward(indices: Tensor): Tensor {
    return torch.functional.embedding(checkTensor('nn.Embedding', 'input', indices), this.weight, this.paddingIdx);
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}

/** Sums, means or maxes of embeddings per bag (PyTorch's EmbeddingBag): forward(input, offsets?, perSampleWeights?). */
export class EmbeddingBag extends Module {
  readonly weight: Tensor;
  readonly mode: 'sum' | 'mean' | 'max';
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    o: { mode?: 'sum' | 'mean' | 'max'; paddingIdx?: number | null } & FactoryOptions = {},
  ) {
    super();
    const fn = 'nn.EmbeddingBag';
    checkInt(fn, 'numEmbeddings', numEmbeddings, { min: 0 });
    checkInt(fn, 'embeddingDim', embeddingDim, { min: 0 });
    checkOptions(fn, o, ['mode', 'paddingIdx', ...FACTORY_KEYS]);
    this.mode = optOneOf(fn, 'mode', o.mode, ['sum', 'mean', 'max'], 'mean');
    this.paddingIdx = paddingIndex(fn, o.paddingIdx, numEmbeddings);
    const f = factory(fn, o);
    this.weight = this.registerParameter('weight', emptyParam(fn, 'weight', [numEmbeddings, embeddingDim], f));
    initTable(this.weight, this.paddingIdx);
  }
  forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    const fn = 'nn.EmbeddingBag';
    return torch.functional.embeddingBag(checkTensor(fn, 'input', input), this.weight, {
      offsets: optTensor(fn, 'offsets', offsets),
      perSampleWeights: optTensor(fn, 'perSampleWeights', perSampleWeights),
      mode: this.mode,
      paddingIdx: this.paddingIdx,
    });
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode=${this.mode}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
