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
import { argInt, argInts, argObject, argProb, or } from './args.js';
import { checkNumber, checkTensor, fail, nameError } from '../check.js';
import { registerModel, type ModelArgs } from './registry.js';

/** fastai's emb_sz_rule: the embedding width for a column of nCat categories. */
export function embSzRule(nCat: number): number {
  checkNumber('models.embSzRule', 'nCat', nCat, { min: 0 });
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
    const fn = 'models.TabularModel';
    argObject(fn, a, ['cardinalities', 'nCont', 'nOut', 'layers', 'ps', 'embedP', 'yRange']);
    const cards = argInts(fn, 'cardinalities', or(a.cardinalities, []));
    this.nCat = cards.length;
    this.nCont = argInt(fn, 'nCont', or(a.nCont, 0), 0);
    const nOut = argInt(fn, 'nOut', or(a.nOut, 1));
    const hidden = argInts(fn, 'layers', or(a.layers, [200, 100]));
    const p = argProb(fn, 'ps', or(a.ps, 0));
    const embedP = argProb(fn, 'embedP', or(a.embedP, 0));
    if (this.nCat + this.nCont === 0) fail(fn, 'cardinalities', 'at least one input column (cardinalities and nCont are both empty)', cards);
    const yr = a.yRange;
    if (
      yr !== undefined &&
      yr !== null &&
      !(Array.isArray(yr) && yr.length === 2 && yr.every((x) => typeof x === 'number' && Number.isFinite(x)) && yr[0] < yr[1])
    ) {
      fail(fn, 'yRange', 'null or [low, high] with finite low < high', yr);
    }
    this.yRange = yr ? [yr[0], yr[1]] : null;
    // the layers made so far, freed if a later one fails (a size too large for memory)
    const made: Module[] = [];
    const keep = <M extends Module>(m: M): M => {
      made.push(m);
      return m;
    };
    try {
      this.embeds = this.registerModule(
        'embeds',
        new ModuleList(
          cards.map((n) => {
            const e = keep(new Embedding(n, embSzRule(n)));
            torch.noGrad(() => truncNormal_(e.weight, 0, 0.01)); // fastai's Embedding init
            return e;
          }),
        ),
      );
      this.embDrop = this.registerModule('embDrop', new Dropout(embedP));
      this.bnCont = this.nCont > 0 ? this.registerModule('bnCont', keep(new BatchNorm1d(this.nCont))) : null;
      const nEmb = cards.reduce((s, n) => s + embSzRule(n), 0);
      const sizes = [nEmb + this.nCont, ...hidden];
      const blocks: Module[] = hidden.map(
        (h, i) =>
          new Sequential(keep(new Linear(sizes[i]!, h, { bias: false })), new ReLU(), keep(new BatchNorm1d(h)), ...(p > 0 ? [new Dropout(p)] : [])),
      );
      this.layers = this.registerModule('layers', new Sequential(...blocks, keep(new Linear(sizes.at(-1)!, nOut))));
    } catch (e) {
      for (const m of made) m.dispose();
      throw nameError(fn, e);
    }
  }

  forward(x: Tensor): Tensor {
    if (checkTensor('models.TabularModel', 'input', x).ndim !== 2 || x.shape[1] !== this.nCat + this.nCont) {
      fail('models.TabularModel', 'input', `a tensor [N, ${this.nCat + this.nCont}] (${this.nCat} category codes, then ${this.nCont} continuous)`, x);
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
      return out
        .sigmoid()
        .mul(hi - lo)
        .add(lo);
    });
  }
}

registerModel('tabular', (a: ModelArgs) => new TabularModel(a as TabularArgs));
