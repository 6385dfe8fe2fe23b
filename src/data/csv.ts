// CSV to tensors: numeric columns become a float32 matrix, categorical ones int64 codes (with their
// category lists), and an optional target column the labels. Parsing is csv-parse's; every missing or
// malformed value is reported with its row and column.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface CsvOptions {
  /** The label column, if any. */
  target?: string;
  /** Columns to treat as categories even if their values look numeric. */
  categorical?: string[];
  /** Whether the target is a class ('category', int64 codes) or a value ('number', float32); guessed if omitted. */
  targetType?: 'category' | 'number';
  /** Strings that mean "missing" (an error names the first one found). */
  missing?: string[];
  /** Columns to leave out (identifiers, other targets). */
  ignore?: string[];
}

export interface CsvTable {
  /** Numeric features, float32 [rows, contNames.length]. */
  xCont: Tensor;
  /** Categorical features as codes, int64 [rows, catNames.length]. */
  xCat: Tensor;
  contNames: string[];
  catNames: string[];
  /** The sorted distinct values of each categorical column (and of a categorical target): code i is values[i]. */
  categories: Record<string, string[]>;
  y: Tensor | null;
}

function fail(file: string, msg: string): never {
  throw new torch.TorchError(`CSV file ${file}: ${msg}`);
}

/** Parses CSV text with a header row. */
export function parseCsv(text: string, o: CsvOptions = {}, file = 'text'): CsvTable {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    fail(file, (e as Error).message);
  }
  if (rows.length < 2) fail(file, 'needs a header row and at least one data row');
  const header = rows[0]!;
  const data = rows.slice(1);
  const missing = new Set(o.missing ?? ['', 'NA', 'NaN', 'null']);
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) fail(file, `no column '${name}' (columns: ${header.join(', ')})`);
    return i;
  };
  // a data row is line r + 2 of the file (1-based, after the header)
  data.forEach((r, k) => {
    r.forEach((v, c) => {
      if (missing.has(v)) fail(file, `missing value at row ${k + 1} (line ${k + 2}), column '${header[c]}'`);
    });
  });
  const isNumeric = (c: number): boolean => data.every((r) => Number.isFinite(Number(r[c])));
  const forcedCat = new Set(o.categorical ?? []);
  for (const n of forcedCat) col(n);
  const targetIdx = o.target === undefined ? -1 : col(o.target);
  const contIdx: number[] = [];
  const catIdx: number[] = [];
  const ignored = new Set((o.ignore ?? []).map(col));
  header.forEach((_, c) => {
    if (c === targetIdx || ignored.has(c)) return;
    (forcedCat.has(header[c]!) || !isNumeric(c) ? catIdx : contIdx).push(c);
  });
  const categories: Record<string, string[]> = {};
  const codes = (c: number): Float64Array => {
    const values = [...new Set(data.map((r) => r[c]!))].sort();
    categories[header[c]!] = values;
    const index = new Map(values.map((v, i) => [v, i]));
    return Float64Array.from(data, (r) => index.get(r[c]!)!);
  };
  const n = data.length;
  const cont = new Float32Array(n * contIdx.length);
  contIdx.forEach((c, j) => data.forEach((r, i) => { cont[i * contIdx.length + j] = Number(r[c]); }));
  const cat = new Float64Array(n * catIdx.length);
  catIdx.forEach((c, j) => codes(c).forEach((v, i) => { cat[i * catIdx.length + j] = v; }));
  let y: Tensor | null = null;
  if (targetIdx >= 0) {
    const type = o.targetType ?? (isNumeric(targetIdx) && !forcedCat.has(header[targetIdx]!) ? 'number' : 'category');
    y = type === 'number'
      ? torch.tensor(Float32Array.from(data, (r) => Number(r[targetIdx])))
      : torch.tensor(codes(targetIdx), { dtype: 'int64' });
  }
  return {
    xCont: torch.fromTypedArray(cont, [n, contIdx.length]),
    xCat: torch.fromTypedArray(cat, [n, catIdx.length], { dtype: 'int64' }),
    contNames: contIdx.map((c) => header[c]!),
    catNames: catIdx.map((c) => header[c]!),
    categories,
    y,
  };
}

/** Reads a CSV file with a header row into tensors. */
export function readCsv(path: string, o: CsvOptions = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    fail(path, `cannot read it (${(e as Error).message})`);
  }
  return parseCsv(text, o, path);
}
