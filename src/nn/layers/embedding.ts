// Embedding: a lookup table of vectors, N(0, 1) initialized; the padding row is zero and gets no gradient.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import * as init from '../init.js';
import { type FactoryOptions, emptyParam, positiveInt } from './options.js';

/** A padding index checked against the table size, negative ones counted from the end. */
function paddingIndex(layer: string, pad: number | null | undefined, numEmbeddings: number): number | null {
  if (pad === null || pad === undefined) return null;
  if (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings) {
    throw new torch.TorchError(`${layer}: paddingIdx must be an integer within numEmbeddings (${numEmbeddings}), got ${String(pad)}`);
  }
  return pad < 0 ? pad + numEmbeddings : pad;
}
/** N(0, 1) rows, the padding row zero (PyTorch's embedding init). */
function initTable(weight: Tensor, paddingIdx: number | null): void {
  init.normal_(weight);
  if (paddingIdx !== null) torch.noGrad(() => torch.tidy(() => { weight.select(0, paddingIdx).zero_(); }));
}

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, o: { paddingIdx?: number | null } & FactoryOptions = {}) {
    super();
    positiveInt('numEmbeddings', numEmbeddings, 'Embedding');
    positiveInt('embeddingDim', embeddingDim, 'Embedding');
    this.paddingIdx = paddingIndex('Embedding', o.paddingIdx, numEmbeddings);
    this.weight = this.registerParameter('weight', emptyParam([numEmbeddings, embeddingDim], o));
    this.resetParameters();
  }
  resetParameters(): void {
    initTable(this.weight, this.paddingIdx);
  }
  forward(indices: Tensor): Tensor {
    return torch.functional.embedding(indices, this.weight, this.paddingIdx);
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

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number,
    o: { mode?: 'sum' | 'mean' | 'max'; paddingIdx?: number | null } & FactoryOptions = {}) {
    super();
    positiveInt('numEmbeddings', numEmbeddings, 'EmbeddingBag');
    positiveInt('embeddingDim', embeddingDim, 'EmbeddingBag');
    this.mode = o.mode ?? 'mean';
    if (!['sum', 'mean', 'max'].includes(this.mode)) throw new torch.TorchError(`EmbeddingBag: mode must be 'sum', 'mean' or 'max', got ${JSON.stringify(this.mode)}`);
    this.paddingIdx = paddingIndex('EmbeddingBag', o.paddingIdx, numEmbeddings);
    this.weight = this.registerParameter('weight', emptyParam([numEmbeddings, embeddingDim], o));
    initTable(this.weight, this.paddingIdx);
  }
  forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    return torch.functional.embeddingBag(input, this.weight, { offsets, mode: this.mode, perSampleWeights, paddingIdx: this.paddingIdx });
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode=${this.mode}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
