// A table as the tabular application reads it, from a CSV file, row objects or column arrays: named columns of
// cells, each column typed as pandas would read it (numbers, booleans or text) and missing cells as null. Errors
// name the source and the row (and the CSV line).
import * as torch from '../torch/index.js';
import { checkArray, describe, fail, isPlainObject } from '../torch/validate.js';
import { isNumberText, parseRaw, readText } from '../data/csv.js';

/** A cell of a row object or column array: a number, a string, a boolean, or missing (null, undefined, NaN). */
export type CellValue = string | number | boolean | null | undefined;

/** pandas' default strings for a missing value (read_csv's na_values). */
export const MISSING_TEXT: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);
const TRUE_TEXT = new Set(['True', 'TRUE', 'true']);
const FALSE_TEXT = new Set(['False', 'FALSE', 'false']);

/** What a column holds, as pandas infers it: numbers (integer: all whole and none missing), booleans or text. */
export type ColumnKind = 'integer' | 'float' | 'bool' | 'text';

export interface Column {
  name: string;
  kind: ColumnKind;
  /** Numbers for numeric columns (NaN when missing); 'True'/'False' for booleans; the text otherwise (null when missing). */
  values: (number | string | null)[];
  /** A text column that also holds numbers: the first number's row and the first text's (a typo in a numeric column). */
  mixed?: [number, number];
}

export interface Table {
  /** Where the table came from, for errors ('CSV file x.csv', 'rows'). */
  source: string;
  nRows: number;
  columns: Map<string, Column>;
  names: string[];
  /** A row's place for errors: 'row 3 (line 4)'. */
  place(row: number): string;
}

function isMissing(v: CellValue): boolean {
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && MISSING_TEXT.has(v.trim()));
}

/** Types a column of raw cells as pandas would: all numbers, all booleans, else text. */
function typed(fn: string, name: string, cells: CellValue[], where: (r: number) => string): Column {
  let numbers = true;
  let bools = true;
  let whole = true;
  let missing = false;
  let firstNumber = -1;
  let firstText = -1;
  cells.forEach((v, r) => {
    if (isMissing(v)) {
      missing = true;
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(fn, `${name} at ${where(r)}`, 'a finite number or a missing value', v);
      bools = false;
      if (firstNumber < 0) firstNumber = r;
      if (!Number.isInteger(v)) whole = false;
    } else if (typeof v === 'boolean') {
      numbers = false;
    } else if (typeof v === 'string') {
      const t = v.trim();
      if (isNumberText(t)) {
        bools = false;
        if (firstNumber < 0) firstNumber = r;
        // pandas reads '1.0' or '1e3' as a float, whatever its value
        if (!Number.isInteger(Number(t)) || /[.eE]/.test(t)) whole = false;
      } else {
        numbers = false;
        if (firstText < 0) firstText = r;
        if (!TRUE_TEXT.has(t) && !FALSE_TEXT.has(t)) bools = false;
      }
    } else {
      fail(fn, `column '${name}' at ${where(r)}`, 'a number, a string, a boolean or null', v);
    }
  });
  if (numbers && cells.some((v) => !isMissing(v))) {
    return {
      name,
      kind: whole && !missing ? 'integer' : 'float',
      values: cells.map((v) => (isMissing(v) ? Number.NaN : Number(typeof v === 'string' ? v.trim() : v))),
    };
  }
  if (bools && cells.some((v) => !isMissing(v))) {
    return {
      name,
      kind: 'bool',
      values: cells.map((v) => (isMissing(v) ? null : v === true || TRUE_TEXT.has(String(v).trim()) ? 'True' : 'False')),
    };
  }
  const col: Column = { name, kind: 'text', values: cells.map((v) => (isMissing(v) ? null : String(v).trim())) };
  if (firstNumber >= 0 && firstText >= 0) col.mixed = [firstNumber, firstText];
  return col;
}

function table(fn: string, source: string, names: string[], cells: CellValue[][], place: (r: number) => string): Table {
  const nRows = cells[0]?.length ?? 0;
  const columns = new Map<string, Column>();
  names.forEach((n, c) => columns.set(n, typed(fn, n, cells[c]!, place)));
  return { source, nRows, columns, names, place };
}

/** A CSV file with a header row. */
export function tableFromCsv(fn: string, path: string): Table {
  const { header, rows, lines } = parseRaw(fn, readText(fn, path), path);
  const place = (r: number): string => `row ${r + 1} (line ${lines[r]})`;
  if (rows.length === 0) throw new torch.FlintError(`${fn}: CSV file ${path} has a header but no rows`);
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new torch.FlintError(`${fn}: CSV file ${path}: ${place(i)} has ${r.length} fields, the header ${header.length}`);
  });
  return table(
    fn,
    `CSV file ${path}`,
    header,
    header.map((_, c) => rows.map((r) => r[c]!)),
    place,
  );
}

/** Row objects ({ column: value }); every row has the first row's columns. */
export function tableFromRows(fn: string, arg: string, rows: unknown): Table {
  const list = checkArray<unknown>(fn, arg, rows, 'an array of row objects');
  if (list.length === 0) fail(fn, arg, 'at least one row', rows);
  list.forEach((r, i) => {
    if (!isPlainObject(r)) fail(fn, `${arg}[${i}]`, 'a row object ({ column: value })', r);
  });
  const names = Object.keys(list[0] as object);
  const rowObjs = list as Record<string, CellValue>[];
  rowObjs.forEach((r, i) => {
    for (const n of names) if (!Object.hasOwn(r, n)) throw new torch.FlintError(`${fn}: ${arg}[${i}] has no '${n}' (the first row has it)`);
  });
  const place = (r: number): string => `row ${r + 1}`;
  return table(
    fn,
    arg,
    names,
    names.map((n) => rowObjs.map((r) => r[n])),
    place,
  );
}

/** Column arrays ({ column: values[] }) of one length. */
export function tableFromColumns(fn: string, arg: string, columns: unknown): Table {
  if (!isPlainObject(columns)) fail(fn, arg, 'an object of column arrays ({ column: values[] })', columns);
  const names = Object.keys(columns);
  if (names.length === 0) fail(fn, arg, 'at least one column', columns);
  const cols = names.map((n) => checkArray<CellValue>(fn, `${arg}.${n}`, columns[n], 'an array of cells'));
  const n = cols[0]!.length;
  cols.forEach((c, i) => {
    if (c.length !== n) fail(fn, `${arg}.${names[i]}`, `${n} cells (as ${arg}.${names[0]})`, `${c.length} cells`);
  });
  if (n === 0) fail(fn, arg, 'at least one row', columns);
  return table(fn, arg, names, cols, (r) => `row ${r + 1}`);
}

/** The table of a source: a CSV file's path, an array of row objects or an object of columns. */
export function tableOf(fn: string, arg: string, source: unknown): Table {
  if (typeof source === 'string') return tableFromCsv(fn, source);
  if (Array.isArray(source)) return tableFromRows(fn, arg, source);
  if (isPlainObject(source)) return tableFromColumns(fn, arg, source);
  return fail(fn, arg, 'a CSV file path, an array of row objects or an object of column arrays', source);
}

/** A column by name, or an error listing the columns. */
export function columnOf(fn: string, t: Table, name: string, what: string): Column {
  const c = t.columns.get(name);
  if (!c) throw new torch.FlintError(`${fn}: ${t.source} has no column '${name}' (${what}); its columns: ${t.names.join(', ')}`);
  return c;
}

/** A cell's text for messages. */
export function cellText(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v) : describe(v);
}
