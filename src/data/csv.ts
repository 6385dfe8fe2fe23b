// CSV to tensors: numeric columns become a float32 matrix, categorical ones int64 codes (with their
// category lists), and an optional target column the labels. Parsing is csv-parse's; every missing or
// malformed value is reported with its file, row, line and column. Column names are data: they never reach
// an object's prototype (a column may be called __proto__).
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkOneOf, checkOptions, checkString, describe } from '../torch/validate.js';
import { checkPath } from './check.js';

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

const OPTIONS = ['target', 'categorical', 'targetType', 'missing', 'ignore'] as const;
/** A decimal number as written in a CSV file (not '0x1f', 'Infinity' or ''). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function isNumberText(v: string): boolean {
  return NUMBER.test(v) && Number.isFinite(Number(v));
}

/** Sets an own property, whatever the key (a plain assignment to '__proto__' would replace the prototype). */
export function setOwn<V>(o: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A CSV file's text parsed to a header and data rows, each with the line it ends on. */
export interface RawCsv {
  header: string[];
  rows: string[][];
  lines: number[];
}

/** Parses CSV text with a header row; errors name `fn` and the file. */
export function parseRaw(fn: string, text: string, file: string): RawCsv {
  const where = `${fn}: CSV file ${file}`;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true, info: true }) as unknown as typeof records;
  } catch (e) {
    throw new torch.FlintError(`${where}: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  }
  if (records.length === 0) throw new torch.FlintError(`${where}: the file is empty (it needs a header row and at least one data row)`);
  const header = records[0]!.record;
  const seen = new Map<string, number>();
  header.forEach((h, c) => {
    if (h === '') throw new torch.FlintError(`${where}: column ${c + 1} of the header has no name`);
    const prev = seen.get(h);
    if (prev !== undefined) throw new torch.FlintError(`${where}: duplicate column name '${h}' (columns ${prev + 1} and ${c + 1})`);
    seen.set(h, c);
  });
  const rest = records.slice(1);
  return { header, rows: rest.map((r) => r.record), lines: rest.map((r) => r.info.lines) };
}

function stringList(fn: string, arg: string, v: unknown): string[] {
  if (v === undefined) return [];
  const a = checkArray(fn, arg, v);
  a.forEach((x, i) => checkString(fn, `${arg}[${i}]`, x));
  return a as string[];
}

/** The table of parsed CSV text; `fn` is the public function named by errors. */
export function tableOf(fn: string, raw: RawCsv, options: CsvOptions | undefined, file: string): CsvTable {
  const o = checkOptions(fn, options, OPTIONS);
  const target = o.target === undefined ? undefined : checkString(fn, 'options.target', o.target);
  const targetType = o.targetType === undefined ? undefined : checkOneOf(fn, 'options.targetType', o.targetType, ['category', 'number'] as const);
  const forced = stringList(fn, 'options.categorical', o.categorical);
  const ignoredNames = stringList(fn, 'options.ignore', o.ignore);
  const missing = new Set(o.missing === undefined ? ['', 'NA', 'NaN', 'null'] : stringList(fn, 'options.missing', o.missing));
  const where = `${fn}: CSV file ${file}`;
  const { header, rows: data, lines } = raw;
  if (data.length === 0) throw new torch.FlintError(`${where}: a header row but no data rows (it needs at least one)`);
  const col = (name: string, arg: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new torch.FlintError(`${where}: no column '${name}' for ${arg} (columns: ${header.join(', ')})`);
    return i;
  };
  const place = (k: number, c: number): string => `row ${k + 1} (line ${lines[k]}), column '${header[c]}'`;
  const targetIdx = target === undefined ? -1 : col(target, 'options.target');
  const forcedCat = new Set(forced.map((n) => col(n, 'options.categorical')));
  const ignored = new Set(ignoredNames.map((n) => col(n, 'options.ignore')));
  if (ignored.has(targetIdx)) throw new torch.FlintError(`${where}: the target column '${target}' is also in options.ignore`);
  const used = header.map((_, c) => !ignored.has(c));
  data.forEach((r, k) => {
    if (r.length !== header.length)
      throw new torch.FlintError(`${where}: row ${k + 1} (line ${lines[k]}) has ${r.length} fields, the header ${header.length}`);
    r.forEach((v, c) => {
      if (used[c] && missing.has(v)) throw new torch.FlintError(`${where}: missing value ${JSON.stringify(v)} at ${place(k, c)}`);
    });
  });
  // a column of numbers is continuous, one of text categorical; a mix is an error (a typo in a numeric
  // column would otherwise turn it into thousands of categories), unless options.categorical names it
  const isNumeric = (c: number): boolean => {
    const bad = data.findIndex((r) => !isNumberText(r[c]!));
    if (bad < 0) return true;
    const good = data.findIndex((r) => isNumberText(r[c]!));
    if (good >= 0 && !forcedCat.has(c)) {
      const v = data[bad]![c]!;
      // digits beyond float range (1e400) are not text, but no float holds them either
      const what = NUMBER.test(v) ? 'a number out of float range' : 'text';
      throw new torch.FlintError(
        `${where}: column '${header[c]}' mixes numbers (${place(good, c)}: '${data[good]![c]}') and ${what} ` +
          `(${place(bad, c)}: ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}); fix the value, or list the column in options.categorical`,
      );
    }
    return false;
  };
  const contIdx: number[] = [];
  const catIdx: number[] = [];
  header.forEach((_, c) => {
    if (c === targetIdx || ignored.has(c)) return;
    (forcedCat.has(c) || !isNumeric(c) ? catIdx : contIdx).push(c);
  });
  const categories: Record<string, string[]> = {};
  const codes = (c: number): Float64Array => {
    const values = [...new Set(data.map((r) => r[c]!))].sort();
    setOwn(categories, header[c]!, values);
    const index = new Map(values.map((v, i) => [v, i]));
    return Float64Array.from(data, (r) => index.get(r[c]!)!);
  };
  const n = data.length;
  let y: { values: Float32Array | Float64Array; dtype: 'float32' | 'int64' } | null = null;
  if (targetIdx >= 0) {
    const type = targetType ?? (!forcedCat.has(targetIdx) && isNumeric(targetIdx) ? 'number' : 'category');
    if (type === 'number') {
      const bad = data.findIndex((r) => !isNumberText(r[targetIdx]!));
      if (bad >= 0)
        throw new torch.FlintError(
          `${where}: options.targetType is 'number' but ${place(bad, targetIdx)} is ${JSON.stringify(data[bad]![targetIdx]!.slice(0, 40))}`,
        );
    }
    y =
      type === 'number'
        ? { values: Float32Array.from(data, (r) => Number(r[targetIdx])), dtype: 'float32' }
        : { values: codes(targetIdx), dtype: 'int64' };
  }
  const cont = new Float32Array(n * contIdx.length);
  contIdx.forEach((c, j) =>
    data.forEach((r, i) => {
      cont[i * contIdx.length + j] = Number(r[c]);
    }),
  );
  const cat = new Float64Array(n * catIdx.length);
  catIdx.forEach((c, j) =>
    codes(c).forEach((v, i) => {
      cat[i * catIdx.length + j] = v;
    }),
  );
  return torch.tidy(() => ({
    xCont: torch.fromTypedArray(cont, [n, contIdx.length]),
    xCat: torch.fromTypedArray(cat, [n, catIdx.length], { dtype: 'int64' }),
    contNames: contIdx.map((c) => header[c]!),
    catNames: catIdx.map((c) => header[c]!),
    categories,
    y: y === null ? null : torch.fromTypedArray(y.values, [n], { dtype: y.dtype }),
  }));
}

/** Reads a file's text; errors name `fn` and the file. */
export function readText(fn: string, path: unknown): string {
  const p = checkPath(fn, 'path', path);
  try {
    return readFileSync(p, 'utf8');
  } catch (e) {
    throw new torch.FlintError(`${fn}: CSV file ${p}: cannot read it (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
  }
}

/** Parses CSV text with a header row. */
export function parseCsv(text: string, o: CsvOptions = {}, file = 'text'): CsvTable {
  const fn = 'data.parseCsv';
  checkString(fn, 'text', text);
  checkString(fn, 'file', file);
  checkOptions(fn, o, OPTIONS);
  return tableOf(fn, parseRaw(fn, text, file), o, file);
}

/** Reads a CSV file with a header row into tensors. */
export function readCsv(path: string, o: CsvOptions = {}): CsvTable {
  const fn = 'data.readCsv';
  checkOptions(fn, o, OPTIONS);
  return tableOf(fn, parseRaw(fn, readText(fn, path), path), o, path);
}
