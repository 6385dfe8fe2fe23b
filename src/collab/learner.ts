// fastai's collab_learner: EmbeddingDotBias (nFactors 50) or, with useNN, EmbeddingNN over the user and item
// embeddings (widths by fastai's rule), trained with MSELossFlat; yRange defaults to (0, 5.5) when the training
// ratings lie in 0-5 (fastai's documented choice for such ratings), so the sigmoid can reach the top rating.
import * as torch from '../torch/index.js';
import { checkArray, checkBool, checkInt, checkNumber, checkOptions, fail, named } from '../torch/validate.js';
import * as nn from '../nn/index.js';
import * as models from '../nn/models/index.js';
import type { TensorDataset } from '../data/index.js';
import { Learner } from '../default-learner.js';
import { LEARNER_OPTIONS, type LearnerOptions } from '../learner/index.js';
import { TabularDataLoaders, embSizes, learnerOptions } from '../tabular/internal.js';

export interface CollabLearnerOptions extends LearnerOptions {
  /** The embeddings' width of EmbeddingDotBias (default 50). */
  nFactors?: number;
  /** EmbeddingNN instead of EmbeddingDotBias. */
  useNN?: boolean;
  /** EmbeddingNN's embedding widths ({ column: width }; the others by fastai's rule). */
  embSzs?: Record<string, number>;
  /** EmbeddingNN's hidden layers (default [100]). */
  layers?: number[];
  /** Squash the ratings into [low, high]; null for none (default [0, 5.5] for ratings in 0-5). */
  yRange?: [number, number] | null;
}

const OWN = ['nFactors', 'useNN', 'embSzs', 'layers', 'yRange'] as const;

/** The training ratings' range. */
function ratingRange(dls: TabularDataLoaders): [number, number] {
  const y = (dls.train.dataset as TensorDataset).tensors.at(-1)!;
  return torch.tidy(() => (y.numel() === 0 ? [0, 0] : [y.min().item(), y.max().item()]));
}

export function collabLearner(dls: TabularDataLoaders, options: CollabLearnerOptions = {}): Learner {
  const fn = 'collab.collabLearner';
  if (!(dls instanceof TabularDataLoaders) || dls.withCont || dls.catNames.length !== 2)
    fail(fn, 'dls', 'a collab.CollabDataLoaders (user and item codes)', dls);
  return named(fn, () => {
    const o = checkOptions(fn, options, [...OWN, ...LEARNER_OPTIONS], 'opts');
    const useNN = o.useNN === undefined ? false : checkBool(fn, 'opts.useNN', o.useNN);
    let yRange: [number, number] | null;
    if (o.yRange === undefined) {
      const [lo, hi] = ratingRange(dls);
      yRange = lo >= 0 && hi <= 5 ? [0, 5.5] : null;
    } else if (o.yRange === null) yRange = null;
    else {
      const r = checkArray<number>(fn, 'opts.yRange', o.yRange, 'a pair [low, high] or null');
      if (r.length !== 2) fail(fn, 'opts.yRange', 'a pair [low, high] or null', o.yRange);
      yRange = [checkNumber(fn, 'opts.yRange[0]', r[0]), checkNumber(fn, 'opts.yRange[1]', r[1])];
    }
    let model: nn.Module;
    if (useNN) {
      if (o.nFactors !== undefined) fail(fn, 'opts.nFactors', 'undefined with useNN (EmbeddingNN sizes its embeddings by embSzs)', o.nFactors);
      const layers =
        o.layers === undefined
          ? [100]
          : checkArray<number>(fn, 'opts.layers', o.layers).map((v, i) => checkInt(fn, `opts.layers[${i}]`, v, { min: 1 }));
      model = models.createModel('embeddingNN', {
        embSzs: embSizes(fn, dls, o.embSzs === undefined ? {} : o.embSzs),
        layers,
        yRange,
      } as unknown as models.ModelArgs);
    } else {
      for (const k of ['embSzs', 'layers'] as const)
        if (o[k] !== undefined) fail(fn, `opts.${k}`, 'undefined without useNN (EmbeddingDotBias)', o[k]);
      const nFactors = o.nFactors === undefined ? 50 : checkInt(fn, 'opts.nFactors', o.nFactors, { min: 1 });
      const [nUsers, nItems] = dls.cardinalities as [number, number];
      model = models.createModel('embeddingDotBias', { nFactors, nUsers, nItems, yRange } as unknown as models.ModelArgs);
    }
    if (dls.device !== 'cpu') model.to({ device: dls.device });
    return new Learner(dls, model, { lossFunc: new nn.MSELossFlat(), ...learnerOptions(o as Record<string, unknown>, OWN) });
  });
}
