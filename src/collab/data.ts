// fastai's CollabDataLoaders: a ratings table (user, item, rating) whose user and item columns are categorified on
// the training rows (code 0 the unknown '#na#'), as batches [codes int64 [N, 2], rating float32 [N]] (fastai's
// TabularCollab: no continuous tensor).
import { checkOptions, checkString, fail } from '../torch/validate.js';
import { type TabularDataLoaders, buildTabular, type CellValue, tableOf, Categorify } from '../tabular/internal.js';

export interface CollabDataLoadersOptions {
  /** The user column (default: the first column). */
  userName?: string;
  /** The item column (default: the second column). */
  itemName?: string;
  /** The rating column (default: the third column). */
  ratingName?: string;
  /** The validation share of a seeded random split (default 0.2). */
  validPct?: number;
  seed?: number;
  batchSize?: number;
  valBatchSize?: number;
  device?: string;
}

const OPTIONS = ['userName', 'itemName', 'ratingName', 'validPct', 'seed', 'batchSize', 'valBatchSize', 'device'] as const;

function build(fn: string, arg: string, source: unknown, options: CollabDataLoadersOptions): TabularDataLoaders {
  const o = checkOptions(fn, options, OPTIONS);
  const t = tableOf(fn, arg, source);
  const pick = (k: 'userName' | 'itemName' | 'ratingName', i: number): string => {
    if (o[k] !== undefined) return checkString(fn, `options.${k}`, o[k]);
    if (t.names.length <= i) fail(fn, `options.${k}`, `a column name (${t.source} has only ${t.names.length} columns to default to)`, o[k]);
    return t.names[i]!;
  };
  const [user, item, rating] = [pick('userName', 0), pick('itemName', 1), pick('ratingName', 2)];
  return buildTabular(
    fn,
    t,
    {
      yNames: rating,
      catNames: [user, item],
      contNames: [],
      procs: [Categorify],
      yBlock: 'regression',
      validPct: o.validPct,
      seed: o.seed,
      batchSize: o.batchSize,
      valBatchSize: o.valBatchSize,
      device: o.device,
      log: false,
    },
    false,
  );
}

/** fastai's CollabDataLoaders (TabularDataLoaders of user and item codes and a rating). */
export const CollabDataLoaders = {
  /** A CSV file of ratings with a header row (fastai's CollabDataLoaders.from_csv). */
  fromCsv(path: string, options: CollabDataLoadersOptions = {}): TabularDataLoaders {
    const fn = 'collab.CollabDataLoaders.fromCsv';
    checkString(fn, 'path', path);
    return build(fn, 'path', path, options);
  },
  /** Rating rows ({ user, item, rating } objects; fastai's from_df). */
  fromRows(rows: Record<string, CellValue>[], options: CollabDataLoadersOptions = {}): TabularDataLoaders {
    const fn = 'collab.CollabDataLoaders.fromRows';
    if (!Array.isArray(rows)) fail(fn, 'rows', 'an array of row objects', rows);
    return build(fn, 'rows', rows, options);
  },
};
