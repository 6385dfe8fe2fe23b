// fastai's collaborative-filtering models: EmbeddingDotBias (a user and an item embedding whose dot product plus
// a bias each is the rating, optionally squashed into yRange) and EmbeddingNN (TabularModel over the two
// embeddings, no continuous columns, one output). Both take the batch's codes [N, 2] (user, item).
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { Embedding } from '../layers/embedding.js';
import { truncNormal_ } from '../init.js';
import { argInt, argObject, assemble, or } from './args.js';
import { checkTensor, fail } from '../check.js';
import { registerModel, type ModelArgs } from './registry.js';
import { TabularModel, type TabularArgs } from './tabular.js';

export interface EmbeddingDotBiasArgs {
  nFactors?: number;
  nUsers: number;
  nItems: number;
  yRange?: [number, number] | null;
}

export class EmbeddingDotBias extends Module {
  readonly uWeight: Embedding;
  readonly iWeight: Embedding;
  readonly uBias: Embedding;
  readonly iBias: Embedding;
  readonly yRange: [number, number] | null;

  constructor(a: EmbeddingDotBiasArgs) {
    super();
    const fn = 'models.EmbeddingDotBias';
    if (a === undefined) fail(fn, 'args', '{ nFactors, nUsers, nItems, yRange }', a);
    argObject(fn, a, ['nFactors', 'nUsers', 'nItems', 'yRange']);
    const nFactors = argInt(fn, 'nFactors', or(a.nFactors, 50));
    const nUsers = argInt(fn, 'nUsers', a.nUsers);
    const nItems = argInt(fn, 'nItems', a.nItems);
    const yr = a.yRange;
    if (
      yr !== undefined &&
      yr !== null &&
      !(Array.isArray(yr) && yr.length === 2 && yr.every((x) => typeof x === 'number' && Number.isFinite(x)) && yr[0] < yr[1])
    )
      fail(fn, 'yRange', 'null or [low, high] with finite low < high', yr);
    this.yRange = yr ? [yr[0], yr[1]] : null;
    // fastai's Embedding: trunc-normal init, std 0.01; the names are fastai's state-dict keys
    const sizes: [number, number][] = [
      [nUsers, nFactors],
      [nItems, nFactors],
      [nUsers, 1],
      [nItems, 1],
    ];
    const e = assemble(fn, (keep) =>
      sizes.map(([n, d]) => {
        const m = keep(new Embedding(n, d));
        torch.noGrad(() => truncNormal_(m.weight, 0, 0.01));
        return m;
      }),
    ) as [Embedding, Embedding, Embedding, Embedding];
    this.uWeight = this.registerModule('u_weight', e[0]);
    this.iWeight = this.registerModule('i_weight', e[1]);
    this.uBias = this.registerModule('u_bias', e[2]);
    this.iBias = this.registerModule('i_bias', e[3]);
  }

  forward(x: Tensor): Tensor {
    const fn = 'models.EmbeddingDotBias';
    checkTensor(fn, 'x', x);
    if (x.ndim !== 2 || x.shape[1] !== 2 || x.dtype.startsWith('float') || x.dtype === 'bool') fail(fn, 'x', 'integer codes [N, 2] (user, item)', x);
    return torch.tidy(() => {
      const users = x.select(1, 0).long();
      const items = x.select(1, 1).long();
      const dot = this.uWeight.call(users).mul(this.iWeight.call(items)).sum([1]);
      const res = dot.add(this.uBias.call(users).reshape([-1])).add(this.iBias.call(items).reshape([-1]));
      if (!this.yRange) return res;
      const [lo, hi] = this.yRange;
      return res
        .sigmoid()
        .mul(hi - lo)
        .add(lo);
    });
  }
}

export interface EmbeddingNNArgs extends Omit<TabularArgs, 'nCont' | 'nOut' | 'cardinalities'> {
  embSzs: [number, number][];
}

/** fastai's EmbeddingNN: a TabularModel over the embeddings only, with one output (layers default [100]). */
export class EmbeddingNN extends TabularModel {
  constructor(a: EmbeddingNNArgs) {
    const fn = 'models.EmbeddingNN';
    if (a === null || typeof a !== 'object') fail(fn, 'args', '{ embSzs, layers, ... }', a);
    const given = a as unknown as Record<string, unknown>;
    for (const k of ['nCont', 'nOut', 'cardinalities'])
      if (given[k] !== undefined) fail(fn, `args.${k}`, 'undefined (EmbeddingNN has no continuous input and one output)', given[k]);
    super({ ...a, layers: a.layers === undefined ? [100] : a.layers, nCont: 0, nOut: 1 }, fn);
  }
}

registerModel('embeddingDotBias', (a: ModelArgs) => new EmbeddingDotBias(a as unknown as EmbeddingDotBiasArgs));
registerModel('embeddingNN', (a: ModelArgs) => new EmbeddingNN(a as unknown as EmbeddingNNArgs));
