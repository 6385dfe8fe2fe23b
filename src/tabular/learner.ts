// fastai's tabular_learner: TabularModel sized from the data (embedding widths by fastai's rule, or given per
// column; the continuous inputs; one output per class or target), the loss from the target's kind
// (CrossEntropyLossFlat, MSELossFlat, BCEWithLogitsLossFlat), through the model registry so the Learner exports.
import { checkArray, checkInt, checkNumber, checkOptions, fail, isPlainObject, named } from '../torch/validate.js';
import * as nn from '../nn/index.js';
import * as models from '../nn/models/index.js';
import { Learner } from '../default-learner.js';
import { LEARNER_OPTIONS, type LearnerOptions, type LossFunc } from '../learner/index.js';
import { TabularDataLoaders } from './data.js';

/** TabularModel's options as tabular_learner takes them (fastai's layers, emb_szs and tabular_config). */
export interface TabularModelOptions {
  /** Hidden layer sizes (default [200, 100]). */
  layers?: number[];
  /** Embedding widths for some categorical columns ({ column: width }); the others by fastai's emb_sz_rule. */
  embSzs?: Record<string, number>;
  /** Outputs (default: the data's, dls.c). */
  nOut?: number;
  /** Squash a regression's outputs into [low, high] (fastai's y_range). */
  yRange?: [number, number];
  /** Dropout per hidden block: one value, or one per block. */
  ps?: number | number[];
  embedP?: number;
  useBn?: boolean;
  bnFinal?: boolean;
  bnCont?: boolean;
}

export interface TabularLearnerOptions extends LearnerOptions, TabularModelOptions {}

const MODEL_KEYS = ['layers', 'embSzs', 'nOut', 'yRange', 'ps', 'embedP', 'useBn', 'bnFinal', 'bnCont'] as const;

/** fastai's get_emb_sz: [categories, width] per categorical column, a width given in `sizes` winning over the rule. */
export function getEmbSz(dls: TabularDataLoaders, sizes: Record<string, number> = {}): [number, number][] {
  const fn = 'tabular.getEmbSz';
  if (!(dls instanceof TabularDataLoaders)) fail(fn, 'dls', 'a tabular.TabularDataLoaders', dls);
  return embSizes(fn, dls, sizes);
}

/** getEmbSz for a caller named by errors (tabularLearner, collabLearner). */
export function embSizes(fn: string, dls: TabularDataLoaders, sizes: unknown): [number, number][] {
  if (!isPlainObject(sizes)) fail(fn, 'embSzs', 'an object of widths per categorical column', sizes);
  for (const [k, v] of Object.entries(sizes)) {
    if (!dls.catNames.includes(k)) fail(fn, `embSzs.${k}`, `a categorical column (${dls.catNames.join(', ') || 'there are none'})`, k);
    checkInt(fn, `embSzs.${k}`, v, { min: 1 });
  }
  return dls.catNames.map((n, i) => {
    const card = dls.cardinalities[i]!;
    return [card, Object.hasOwn(sizes, n) ? (sizes[n] as number) : models.embSzRule(card)];
  });
}

/** The Learner's own options of an application learner's (those its model takes left out). */
export function learnerOptions(o: Record<string, unknown>, own: readonly string[]): LearnerOptions {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => !own.includes(k) && v !== undefined)) as LearnerOptions;
}

/** The loss of a target kind (fastai's defaults). */
export function defaultLoss(dls: TabularDataLoaders): LossFunc {
  if (dls.yBlock === 'category') return new nn.CrossEntropyLossFlat();
  if (dls.yBlock === 'multiCategory') return new nn.BCEWithLogitsLossFlat();
  return new nn.MSELossFlat();
}

/** fastai's tabular_learner. */
export function tabularLearner(dls: TabularDataLoaders, options: TabularLearnerOptions = {}): Learner {
  const fn = 'tabular.tabularLearner';
  if (!(dls instanceof TabularDataLoaders)) fail(fn, 'dls', 'a tabular.TabularDataLoaders', dls);
  return named(fn, () => {
    const o = checkOptions(fn, options, [...MODEL_KEYS, ...LEARNER_OPTIONS], 'opts');
    const nOut = o.nOut === undefined ? dls.c : checkInt(fn, 'opts.nOut', o.nOut, { min: 1 });
    let yRange: [number, number] | null = null;
    if (o.yRange !== undefined) {
      const r = checkArray<number>(fn, 'opts.yRange', o.yRange, 'a pair [low, high]');
      if (r.length !== 2) fail(fn, 'opts.yRange', 'a pair [low, high]', o.yRange);
      yRange = [checkNumber(fn, 'opts.yRange[0]', r[0]), checkNumber(fn, 'opts.yRange[1]', r[1])];
    }
    const args: models.TabularArgs = {
      embSzs: embSizes(fn, dls, o.embSzs === undefined ? {} : o.embSzs),
      nCont: dls.contNames.length,
      nOut,
      layers: o.layers === undefined ? [200, 100] : o.layers,
      yRange,
      ...Object.fromEntries((['ps', 'embedP', 'useBn', 'bnFinal', 'bnCont'] as const).filter((k) => o[k] !== undefined).map((k) => [k, o[k]])),
    };
    const model = models.createModel('tabular', args as models.ModelArgs);
    if (dls.device !== 'cpu') model.to({ device: dls.device });
    return new Learner(dls, model, { lossFunc: defaultLoss(dls), ...learnerOptions(o as Record<string, unknown>, MODEL_KEYS) });
  });
}
