// Tables from CSV files for training and prediction: category codes (0 kept for unknown values) and
// continuous columns normalized with the training split's statistics, in one float32 tensor per row
// [codes..., continuous...] (nn.models.TabularModel's input).
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { readCsv } from './csv.js';
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

/** DataLoaders over a CSV file's rows, with the preprocessing that export needs. */
export function tabularFromCsv(path: string, o: TabularCsvOptions): DataLoaders {
  const validPct = o.validPct ?? 0.2;
  if (!(validPct > 0 && validPct < 1)) throw new torch.TorchError(`tabularFromCsv: validPct must be in (0, 1), got ${validPct}`);
  const t = readCsv(path, { target: o.target, targetType: o.targetType, categorical: o.categorical, ignore: o.ignore });
  const n = t.y!.shape[0]!;
  const nValid = Math.round(n * validPct);
  if (nValid < 1 || nValid >= n) throw new torch.TorchError(`tabularFromCsv: ${path} has ${n} rows, too few to hold out ${validPct * 100}% for validation`);
  const built = torch.tidy(() => {
    const perm = torch.randpermSeeded(n, o.seed ?? 42);
    const [validIdx, trainIdx] = [perm.narrow(0, 0, nValid), perm.narrow(0, nValid, n - nValid)];
    const trainCont = t.xCont.indexSelect(0, trainIdx);
    const mean = trainCont.mean([0]);
    // a constant column has std 0: leave it centred, not divided by zero
    const sd = trainCont.std([0], false);  // biased, as fastai's Normalize for tables (ddof=0)
    const std = torch.where(sd.gt(0), sd, 1);
    const x = torch.cat([t.xCat.float().add(1), t.xCont.sub(mean).div(std)], 1);
    const y = t.y!;
    return { xt: x.indexSelect(0, trainIdx), yt: y.indexSelect(0, trainIdx), xv: x.indexSelect(0, validIdx), yv: y.indexSelect(0, validIdx), mean, std };
  });
  const prep: TabularPreprocessing = {
    kind: 'tabular', catNames: t.catNames, contNames: t.contNames,
    categories: Object.fromEntries(t.catNames.map((c) => [c, t.categories[c]!])),
    contMean: Array.from(built.mean.toTypedArray() as Float32Array), contStd: Array.from(built.std.toTypedArray() as Float32Array),
    target: o.target, vocab: t.y!.dtype === 'int64' ? t.categories[o.target]! : null,
  };
  const dls = DataLoaders.fromTensors(built.xt, built.yt, built.xv, built.yv, { batchSize: o.batchSize ?? 64, device: o.device, seed: o.seed });
  dls.preprocessing = prep;
  torch.dispose([t.xCont, t.xCat, t.y!, built.mean, built.std]);
  return dls;
}

/** A CSV file's rows encoded as the model's input (the target column, if present, is ignored). Unknown or missing
 * category values get code 0; a missing or non-numeric continuous value is an error naming its row and column. */
export function tabularInputs(p: TabularPreprocessing, path: string): Tensor {
  let rows: Record<string, string>[];
  try {
    rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new torch.TorchError(`CSV file ${path}: ${(e as Error).message}`);
  }
  if (rows.length === 0) throw new torch.TorchError(`CSV file ${path}: no data rows`);
  const header = Object.keys(rows[0]!);
  for (const c of [...p.catNames, ...p.contNames]) {
    if (!header.includes(c)) throw new torch.TorchError(`CSV file ${path}: no column '${c}', which the model was trained on (columns: ${header.join(', ')})`);
  }
  const width = p.catNames.length + p.contNames.length;
  const out = new Float32Array(rows.length * width);
  const index = p.catNames.map((c) => new Map(p.categories[c]!.map((v, i) => [v, i + 1])));
  rows.forEach((r, i) => {
    p.catNames.forEach((c, j) => { out[i * width + j] = index[j]!.get(r[c]!) ?? 0; });
    p.contNames.forEach((c, j) => {
      const v = r[c]!;
      const x = Number(v);
      if (v === '' || !Number.isFinite(x)) throw new torch.TorchError(`CSV file ${path}: row ${i + 1} (line ${i + 2}), column '${c}': expected a number, got '${v}'`);
      out[i * width + p.catNames.length + j] = (x - p.contMean[j]!) / p.contStd[j]!;
    });
  });
  return torch.fromTypedArray(out, [rows.length, width]);
}
