// Tables from CSV files for training and prediction: category codes (0 kept for unknown values) and
// continuous columns normalized with the training split's statistics, in one float32 tensor per row
// [codes..., continuous...] (nn.models.TabularModel's input).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkInt, checkNumber, checkOptions, checkString, fail } from '../torch/validate.js';
import { isNumberText, parseRaw, readText, tableOf } from './csv.js';
import { optDevice } from './check.js';
import { DataLoaders } from './dataloader.js';
import type { TabularPreprocessing } from './preprocessing.js';

export interface TabularCsvOptions {
  /** The column to predict. */
  target: string;
  /** 'category' (classification) or 'number' (regression); guessed from the values if omitted. */
  targetType?: 'category' | 'number';
  /** Columns to treat as categories even if their values look numeric. */
  categorical?: string[];
  /** Columns to leave out (identifiers, other targets). */
  ignore?: string[];
  /** The fraction of rows held out for validation (default 0.2), chosen by a seeded permutation. */
  validPct?: number;
  seed?: number;
  batchSize?: number;
  device?: string;
}

const OPTIONS = ['target', 'targetType', 'categorical', 'ignore', 'validPct', 'seed', 'batchSize', 'device'] as const;

/** DataLoaders over a CSV file's rows, with the preprocessing that export needs. */
export function tabularFromCsv(path: string, options: TabularCsvOptions): DataLoaders {
  const fn = 'data.tabularFromCsv';
  if (options === undefined) fail(fn, 'options', 'an options object with a target', options);
  const o = checkOptions(fn, options, OPTIONS);
  checkString(fn, 'options.target', o.target);
  const validPct = o.validPct === undefined ? 0.2 : checkNumber(fn, 'options.validPct', o.validPct, { gt: 0 });
  if (validPct >= 1) fail(fn, 'options.validPct', 'a number > 0 and < 1', validPct);
  const seed = o.seed === undefined ? 42 : checkInt(fn, 'options.seed', o.seed, { min: 0, max: 2 ** 52 });
  const batchSize = o.batchSize === undefined ? 64 : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
  const device = optDevice(fn, 'options.device', o.device);
  const t = tableOf(
    fn,
    parseRaw(fn, readText(fn, path), path),
    { target: o.target, targetType: o.targetType, categorical: o.categorical, ignore: o.ignore },
    path,
  );
  try {
    const n = t.y!.shape[0]!;
    const nValid = Math.round(n * validPct);
    if (nValid < 1 || nValid >= n)
      throw new torch.FlintError(`${fn}: CSV file ${path} has ${n} rows, too few to hold out ${validPct * 100}% for validation`);
    const built = torch.tidy(() => {
      const perm = torch.randpermSeeded(n, seed);
      const [validIdx, trainIdx] = [perm.narrow(0, 0, nValid), perm.narrow(0, nValid, n - nValid)];
      const trainCont = t.xCont.indexSelect(0, trainIdx);
      const mean = trainCont.mean([0]);
      // a constant column has std 0: leave it centred, not divided by zero
      const sd = trainCont.std([0], false); // biased, as fastai's Normalize for tables (ddof=0)
      const std = torch.where(sd.gt(0), sd, 1);
      const x = torch.cat([t.xCat.float().add(1), t.xCont.sub(mean).div(std)], 1);
      const y = t.y!;
      return {
        xt: x.indexSelect(0, trainIdx),
        yt: y.indexSelect(0, trainIdx),
        xv: x.indexSelect(0, validIdx),
        yv: y.indexSelect(0, validIdx),
        mean,
        std,
      };
    });
    const prep: TabularPreprocessing = {
      kind: 'tabular',
      catNames: t.catNames,
      contNames: t.contNames,
      categories: Object.fromEntries(t.catNames.map((c) => [c, t.categories[c]!])),
      contMean: Array.from(built.mean.toTypedArray() as Float32Array),
      contStd: Array.from(built.std.toTypedArray() as Float32Array),
      target: o.target,
      vocab: t.y!.dtype === 'int64' ? t.categories[o.target]! : null,
    };
    torch.dispose([built.mean, built.std]);
    const dls = DataLoaders.fromTensors(built.xt, built.yt, built.xv, built.yv, { batchSize, device, seed });
    dls.preprocessing = prep;
    return dls;
  } finally {
    torch.dispose([t.xCont, t.xCat, t.y]);
  }
}

/** The preprocessing of a tabular model, checked (it may come from a file). */
function checkPrep(fn: string, p: unknown): TabularPreprocessing {
  if (p === null || typeof p !== 'object' || (p as { kind?: unknown }).kind !== 'tabular')
    fail(fn, 'preprocessing', "a tabular preprocessing ({ kind: 'tabular', ... })", p);
  const q = p as TabularPreprocessing;
  const names = (arg: 'catNames' | 'contNames'): string[] => {
    const a = checkArray(fn, `preprocessing.${arg}`, q[arg]);
    a.forEach((x, i) => checkString(fn, `preprocessing.${arg}[${i}]`, x));
    return a as string[];
  };
  const cats = names('catNames');
  const conts = names('contNames');
  if (q.categories === null || typeof q.categories !== 'object') fail(fn, 'preprocessing.categories', 'an object of category lists', q.categories);
  for (const c of cats) {
    const list = Object.hasOwn(q.categories, c) ? q.categories[c] : undefined;
    checkArray(fn, `preprocessing.categories[${JSON.stringify(c)}]`, list, 'an array of category names');
  }
  for (const arg of ['contMean', 'contStd'] as const) {
    const a = checkArray(fn, `preprocessing.${arg}`, q[arg]);
    if (a.length !== conts.length) fail(fn, `preprocessing.${arg}`, `${conts.length} numbers (one per continuous column)`, a);
    a.forEach((x, i) => checkNumber(fn, `preprocessing.${arg}[${i}]`, x, arg === 'contStd' ? { gt: 0 } : {}));
  }
  return q;
}

/** A CSV file's rows encoded as the model's input (the target column, if present, is ignored). Unknown or missing
 * category values get code 0; a missing or non-numeric continuous value is an error naming its row and column. */
export function tabularInputs(p: TabularPreprocessing, path: string): Tensor {
  const fn = 'data.tabularInputs';
  const prep = checkPrep(fn, p);
  const { header, rows, lines } = parseRaw(fn, readText(fn, path), path);
  if (rows.length === 0) throw new torch.FlintError(`${fn}: CSV file ${path}: a header row but no data rows`);
  const colOf = (c: string): number => {
    const i = header.indexOf(c);
    if (i < 0)
      throw new torch.FlintError(`${fn}: CSV file ${path}: no column '${c}', which the model was trained on (columns: ${header.join(', ')})`);
    return i;
  };
  const catCols = prep.catNames.map(colOf);
  const contCols = prep.contNames.map(colOf);
  const width = catCols.length + contCols.length;
  const out = new Float32Array(rows.length * width);
  const index = prep.catNames.map((c) => new Map((prep.categories[c] as unknown[]).map((v, i) => [String(v), i + 1])));
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new torch.FlintError(`${fn}: CSV file ${path}: row ${i + 1} (line ${lines[i]}) has ${r.length} fields, the header ${header.length}`);
    catCols.forEach((c, j) => {
      out[i * width + j] = index[j]!.get(r[c]!) ?? 0;
    });
    contCols.forEach((c, j) => {
      const v = r[c]!;
      if (!isNumberText(v)) {
        throw new torch.FlintError(
          `${fn}: CSV file ${path}: row ${i + 1} (line ${lines[i]}), column '${header[c]}': expected a number, got ${JSON.stringify(v.slice(0, 40))}`,
        );
      }
      out[i * width + catCols.length + j] = (Number(v) - prep.contMean[j]!) / prep.contStd[j]!;
    });
  });
  return torch.fromTypedArray(out, [rows.length, width]);
}
