// fastai's TabularModel: an embedding per categorical column (size by fastai's rule), embedding dropout,
// BatchNorm over the continuous columns, then Linear -> ReLU -> BatchNorm1d (-> Dropout) blocks and a linear
// head (optionally squashed into yRange). The input is one float tensor [N, nCat + nCont] whose first nCat
// columns are category codes (what data.tabularFromCsv yields), so it fits the Learner's single-input batches.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { ModuleList, Sequential } from '../layers/container.js';
import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { ReLU } from '../layers/activation.js';
import { BatchNorm1d } from '../layers/norm.js';
import { Dropout } from '../layers/dropout.js';
import { truncNormal_ } from '../init.js';
import { argInt, argInts, argProb } from './args.js';
import { registerModel, type ModelArgs } from './registry.js';

/** fastai's emb_sz_rule: the embedding width for a column of nCat categories. */
export function embSzRule(nCat: number): number {
  return Math.min(600, Math.round(1.6 * nCat ** 0.56));
}

export interface TabularArgs {
  /** Categories per categorical column, the unknown-value slot included. */
  cardinalities?: number[];
  nCont?: number;
  nOut?: number;
  layers?: number[];
  /** Dropout after each hidden block. */
  ps?: number;
  embedP?: number;
  /** Squash the outputs into [low, high] with a sigmoid (regression). */
  yRange?: [number, number] | null;
}

export class TabularModel extends Module {
  readonly embeds: ModuleList;
  readonly embDrop: Dropout;
  readonly bnCont: BatchNorm1d | null;
  readonly layers: Sequential;
  readonly nCat: number;
  readonly nCont: number;
  readonly yRange: [number, number] | null;

  constructor(a: TabularArgs = {}) {
    super();
    const cards = argInts('TabularModel', 'cardinalities', a.cardinalities ?? []);
    this.nCat = cards.length;
    this.nCont = argInt('TabularModel', 'nCont', a.nCont ?? 0, 0);
    const nOut = argInt('TabularModel', 'nOut', a.nOut ?? 1);
    const hidden = argInts('TabularModel', 'layers', a.layers ?? [200, 100]);
    const p = argProb('TabularModel', 'ps', a.ps ?? 0);
    if (this.nCat + this.nCont === 0) throw new torch.TorchError('TabularModel: no input columns (cardinalities and nCont are both empty)');
    this.yRange = a.yRange ?? null;
    this.embeds = this.registerModule('embeds', new ModuleList(cards.map((n) => {
      const e = new Embedding(n, embSzRule(n));
      torch.noGrad(() => truncNormal_(e.weight, 0, 0.01));  // fastai's Embedding init
      return e;
    })));
    this.embDrop = this.registerModule('embDrop', new Dropout(argProb('TabularModel', 'embedP', a.embedP ?? 0)));
    this.bnCont = this.nCont > 0 ? this.registerModule('bnCont', new BatchNorm1d(this.nCont)) : null;
    const nEmb = cards.reduce((s, n) => s + embSzRule(n), 0);
    const sizes = [nEmb + this.nCont, ...hidden];
    const blocks: Module[] = hidden.map((h, i) => new Sequential(new Linear(sizes[i]!, h, { bias: false }), new ReLU(), new BatchNorm1d(h),
      ...(p > 0 ? [new Dropout(p)] : [])));
    this.layers = this.registerModule('layers', new Sequential(...blocks, new Linear(sizes.at(-1)!, nOut)));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.nCat + this.nCont) {
      throw new torch.TorchError(`TabularModel: expected input [N, ${this.nCat + this.nCont}] (${this.nCat} category codes, then ${this.nCont} continuous), got [${x.shape.join(', ')}]`);
    }
    return torch.tidy(() => {
      const parts: Tensor[] = [];
      if (this.nCat > 0) {
        const codes = x.narrow(1, 0, this.nCat).long();
        const embs = (this.embeds.children() as Embedding[]).map((e, i) => e.call(codes.select(1, i)));
        parts.push(this.embDrop.call(torch.cat(embs, 1)));
      }
      if (this.nCont > 0) parts.push(this.bnCont!.call(x.narrow(1, this.nCat, this.nCont)));
      const out = this.layers.call(parts.length === 1 ? parts[0]! : torch.cat(parts, 1));
      if (!this.yRange) return out;
      const [lo, hi] = this.yRange;
      return out.sigmoid().mul(hi - lo).add(lo);
    });
  }
}

registerModel('tabular', (a: ModelArgs) => new TabularModel(a as TabularArgs));
