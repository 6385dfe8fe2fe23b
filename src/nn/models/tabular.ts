// fastai's TabularModel: an embedding per categorical column (trunc-normal init, std 0.01), embedding dropout,
// BatchNorm over the continuous columns, then LinBnDrop blocks (Linear without bias -> ReLU -> BatchNorm1d ->
// Dropout, fastai's lin_first) and a linear head, optionally squashed into yRange. forward(xCat, xCont) takes
// the category codes (int64 [N, nCat], code 0 the unknown value) and the continuous columns (float [N, nCont]),
// the two inputs of a tabular batch; the state-dict keys are fastai's (embeds.0.weight, bn_cont.*, layers.0.0.*).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { ModuleList, Sequential } from '../layers/container.js';
import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { ReLU, SigmoidRange } from '../layers/activation.js';
import { BatchNorm1d } from '../layers/norm.js';
import { Dropout } from '../layers/dropout.js';
import { truncNormal_ } from '../init.js';
import { argInt, argInts, argObject, argProb, assemble, or } from './args.js';
import { checkNumber, checkTensor, fail } from '../check.js';
import { registerModel, type ModelArgs } from './registry.js';

/** fastai's emb_sz_rule: the embedding width for a column of nCat categories (its '#na#' included). */
export function embSzRule(nCat: number): number {
  checkNumber('models.embSzRule', 'nCat', nCat, { min: 0 });
  return Math.min(600, Math.round(1.6 * nCat ** 0.56));
}

export interface TabularArgs {
  /** fastai's emb_szs: [categories, width] per categorical column (the categories counting the unknown slot). */
  embSzs?: [number, number][];
  /** Categories per categorical column, widths by embSzRule (when embSzs is not given). */
  cardinalities?: number[];
  nCont?: number;
  /** Outputs (fastai's out_sz). */
  nOut?: number;
  /** Hidden layer sizes (default [200, 100], tabular_learner's). */
  layers?: number[];
  /** Dropout per hidden block: one value for all, or one per block (default 0). */
  ps?: number | number[];
  /** Dropout after the embeddings. */
  embedP?: number;
  /** Squash the outputs into [low, high] with a sigmoid (regression). */
  yRange?: [number, number] | null;
  /** BatchNorm in the hidden blocks (default true). */
  useBn?: boolean;
  /** BatchNorm after the last linear layer too (default false). */
  bnFinal?: boolean;
  /** BatchNorm over the continuous inputs (default true). */
  bnCont?: boolean;
}

const KEYS = ['embSzs', 'cardinalities', 'nCont', 'nOut', 'layers', 'ps', 'embedP', 'yRange', 'useBn', 'bnFinal', 'bnCont'] as const;

function argBool(model: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') fail(model, name, 'true or false', v);
  return v;
}

function argYRange(model: string, v: unknown): [number, number] | null {
  if (v === undefined || v === null) return null;
  if (!(Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] < v[1]))
    fail(model, 'yRange', 'null or [low, high] with finite low < high', v);
  return [v[0], v[1]];
}

/** fastai's BatchNorm helper for LinBnDrop: weight 1, bias 1e-3. */
function fastaiBatchNorm(n: number): BatchNorm1d {
  const bn = new BatchNorm1d(n);
  torch.noGrad(() => {
    bn.weight!.fill_(1);
    bn.bias!.fill_(1e-3);
  });
  return bn;
}

export class TabularModel extends Module {
  readonly embeds: ModuleList;
  readonly embDrop: Dropout;
  readonly bnCont: BatchNorm1d | null;
  readonly layers: Sequential;
  readonly nCat: number;
  readonly nEmb: number;
  readonly nCont: number;
  readonly yRange: [number, number] | null;

  /** The name errors give (a subclass's own, as EmbeddingNN). */
  private readonly fn: string;

  constructor(a: TabularArgs = {}, name = 'models.TabularModel') {
    super();
    const fn = name;
    this.fn = name;
    argObject(fn, a, KEYS);
    let embSzs: [number, number][];
    if (a.embSzs !== undefined) {
      if (a.cardinalities !== undefined) fail(fn, 'cardinalities', 'undefined when embSzs is given (one or the other)', a.cardinalities);
      if (!Array.isArray(a.embSzs)) fail(fn, 'embSzs', 'an array of [categories, width] pairs', a.embSzs);
      embSzs = (a.embSzs as unknown[]).map((p, i) => {
        if (!Array.isArray(p) || p.length !== 2) fail(fn, `embSzs[${i}]`, 'a pair [categories, width]', p);
        return [argInt(fn, `embSzs[${i}][0]`, p[0]), argInt(fn, `embSzs[${i}][1]`, p[1])];
      });
    } else {
      embSzs = argInts(fn, 'cardinalities', or(a.cardinalities, [])).map((n) => [n, embSzRule(n)]);
    }
    this.nCat = embSzs.length;
    this.nCont = argInt(fn, 'nCont', or(a.nCont, 0), 0);
    const nOut = argInt(fn, 'nOut', or(a.nOut, 1));
    const hidden = argInts(fn, 'layers', or(a.layers, [200, 100]));
    const psArg = or(a.ps, 0);
    const ps = Array.isArray(psArg) ? psArg.map((p, i) => argProb(fn, `ps[${i}]`, p)) : hidden.map(() => argProb(fn, 'ps', psArg));
    if (ps.length !== hidden.length) fail(fn, 'ps', `one dropout probability, or ${hidden.length} (one per hidden layer)`, psArg);
    const embedP = argProb(fn, 'embedP', or(a.embedP, 0));
    const useBn = argBool(fn, 'useBn', a.useBn, true);
    const bnFinal = argBool(fn, 'bnFinal', a.bnFinal, false);
    const bnCont = argBool(fn, 'bnCont', a.bnCont, true);
    if (this.nCat + this.nCont === 0) fail(fn, 'embSzs', 'at least one input column (no categorical and no continuous columns)', embSzs);
    this.yRange = argYRange(fn, a.yRange);
    this.nEmb = embSzs.reduce((s, [, w]) => s + w, 0);
    const built = assemble(fn, (keep) => {
      const embeds = new ModuleList(
        embSzs.map(([n, w]) => {
          const e = keep(new Embedding(n, w));
          torch.noGrad(() => truncNormal_(e.weight, 0, 0.01)); // fastai's Embedding init
          return e;
        }),
      );
      const bn = this.nCont > 0 && bnCont ? keep(new BatchNorm1d(this.nCont)) : null;
      const sizes = [this.nEmb + this.nCont, ...hidden, nOut];
      // fastai's LinBnDrop(lin_first=True): [Linear, act] then [BatchNorm, Dropout]; the last block has no act,
      // and BatchNorm only with bnFinal
      const blocks = sizes.slice(1).map((out, i) => {
        const last = i === sizes.length - 2;
        const withBn = useBn && (!last || bnFinal);
        const p = last ? 0 : ps[i]!;
        const parts: Module[] = [keep(new Linear(sizes[i]!, out, { bias: !withBn }))];
        if (!last) parts.push(new ReLU());
        if (withBn) parts.push(keep(fastaiBatchNorm(out)));
        if (p !== 0) parts.push(new Dropout(p));
        return new Sequential(...parts);
      });
      const layers: Module[] = [...blocks];
      if (this.yRange) layers.push(new SigmoidRange(...this.yRange));
      return { embeds, bn, layers: new Sequential(...layers) };
    });
    this.embeds = this.registerModule('embeds', built.embeds);
    this.embDrop = this.registerModule('emb_drop', new Dropout(embedP));
    this.bnCont = built.bn === null ? null : this.registerModule('bn_cont', built.bn);
    this.layers = this.registerModule('layers', built.layers);
  }

  forward(xCat: Tensor, xCont?: Tensor): Tensor {
    const fn = this.fn;
    checkTensor(fn, 'xCat', xCat);
    if (xCat.ndim !== 2 || xCat.shape[1] !== this.nCat || xCat.dtype.startsWith('float') || xCat.dtype === 'bool')
      fail(fn, 'xCat', `integer category codes [N, ${this.nCat}]`, xCat);
    if (this.nCont > 0) {
      checkTensor(fn, 'xCont', xCont);
      if (xCont!.ndim !== 2 || xCont!.shape[1] !== this.nCont || xCont!.shape[0] !== xCat.shape[0] || !xCont!.dtype.startsWith('float'))
        fail(fn, 'xCont', `floating-point continuous columns [${xCat.shape[0]}, ${this.nCont}]`, xCont);
    }
    return torch.tidy(() => {
      const parts: Tensor[] = [];
      if (this.nCat > 0) {
        const codes = xCat.long();
        const embs = (this.embeds.children() as Embedding[]).map((e, i) => {
          try {
            return e.call(codes.select(1, i));
          } catch (err) {
            // libtorch names only the index; the user needs the column and its category count
            throw new torch.FlintError(
              `${fn}: xCat column ${i} holds a code outside its ${e.numEmbeddings} categories (0 to ${e.numEmbeddings - 1}); encode the rows with the loaders that built the model (${(err as Error).message.split('\n')[0]})`,
            );
          }
        });
        parts.push(this.embDrop.call(torch.cat(embs, 1)));
      }
      if (this.nCont > 0) parts.push(this.bnCont ? this.bnCont.call(xCont!) : xCont!);
      return this.layers.call(parts.length === 1 ? parts[0]! : torch.cat(parts, 1));
    });
  }
}

registerModel('tabular', (a: ModelArgs) => new TabularModel(a as TabularArgs));
