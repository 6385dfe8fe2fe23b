// fastai's tabular procs, fitted on the training rows only and then applied to every row (and, from their saved
// state, to new rows in another process): FillMissing (order 0) fills missing continuous values with the training
// median and adds a `<col>_na` categorical column; Categorify (order 1) codes each categorical column against the
// training rows' sorted values, code 0 ('#na#') for a missing or unknown value; Normalize (order 99) scales the
// continuous columns by the training mean and standard deviation (ddof 0, plus 1e-7, as fastai).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBool, checkNumber, checkOneOf, checkOptions, fail, isPlainObject } from '../torch/validate.js';
import type { TabularProcState } from '../data/index.js';

/** The table the procs work on: categorical columns as text (null: missing), continuous ones as one float64 tensor. */
export interface ProcTable {
  /** The public function at work, and where the rows come from and a row's place, for errors. */
  fn: string;
  source: string;
  place(row: number): string;
  nRows: number;
  catNames: string[];
  contNames: string[];
  /** Categorical values; `numeric` columns sort their categories as numbers. */
  cats: Map<string, { values: (string | null)[]; numeric: boolean }>;
  /** Category codes, once Categorify has run. */
  codes: Map<string, Int32Array>;
  /** Continuous values [nRows, contNames.length] (NaN: missing); owned by the table. */
  conts: Tensor;
}

export interface TabularProc {
  readonly name: 'Categorify' | 'FillMissing' | 'Normalize';
  /** fastai's order: the procs run sorted by it. */
  readonly order: number;
  /** Fits on the training rows (`train`: their indices, int64). */
  setup(t: ProcTable, train: Tensor): void;
  /** Applies to every row of a table. */
  encode(t: ProcTable): void;
  state(): TabularProcState;
}

const NA = '#na#';

/** The column values of a record keyed by column names (own properties only: a column may be called __proto__). */
function own<T>(r: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(r, key) ? r[key] : undefined;
}

/** A tensor column to host numbers. */
const host = (t: Tensor): Float64Array => torch.tidy(() => t.double().contiguous().toTypedArray() as Float64Array);

/** fastai's Categorify: codes against the training rows' sorted distinct values, 0 for missing or unknown. */
export class Categorify implements TabularProc {
  readonly name = 'Categorify';
  readonly order = 1;
  /** Each column's categories: '#na#' then the sorted training values (code i is classes[col][i]). */
  classes: Record<string, string[]> = {};

  setup(t: ProcTable, train: Tensor): void {
    const rows = Array.from(train.toTypedArray() as BigInt64Array, Number);
    this.classes = {};
    for (const n of t.catNames) {
      const col = t.cats.get(n)!;
      const seen = new Set<string>();
      for (const r of rows) {
        const v = col.values[r];
        if (v !== null && v !== undefined) seen.add(v);
      }
      const sorted = [...seen].sort(col.numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
      Object.defineProperty(this.classes, n, { value: [NA, ...sorted], enumerable: true, writable: true, configurable: true });
    }
  }

  encode(t: ProcTable): void {
    for (const n of t.catNames) {
      const classes = own(this.classes, n);
      if (!classes) throw new torch.FlintError(`${t.fn}: Categorify has no categories for column '${n}' (the proc was fitted without it)`);
      const index = new Map(classes.map((v, i) => [v, i]));
      index.delete(NA); // a value spelled '#na#' is unknown, as any other
      const values = t.cats.get(n)!.values;
      t.codes.set(
        n,
        Int32Array.from(values, (v) => (v === null ? 0 : (index.get(v) ?? 0))),
      );
    }
  }

  state(): TabularProcState {
    return { name: this.name, classes: this.classes };
  }
}

const FILL_STRATEGIES = ['median', 'constant', 'mode'] as const;
export type FillStrategy = (typeof FILL_STRATEGIES)[number];

export interface FillMissingOptions {
  /** How the fill value is computed from the training rows (default 'median'). */
  fillStrategy?: FillStrategy;
  /** Add a `<col>_na` categorical column marking the filled rows (default true). */
  addCol?: boolean;
  /** The fill values of the 'constant' strategy, per column (default 0). */
  fillVals?: Record<string, number>;
}

/** fastai's FillMissing: missing continuous values filled with the training rows' median (or mode, or a constant),
 * with a `<col>_na` column per column that had missing values in the training rows. */
export class FillMissing implements TabularProc {
  readonly name = 'FillMissing';
  readonly order = 0;
  readonly fillStrategy: FillStrategy;
  readonly addCol: boolean;
  readonly fillVals: Record<string, number>;
  /** The fill value of each column that had missing values in the training rows. */
  naDict: Record<string, number> = {};

  constructor(options: FillMissingOptions = {}) {
    const fn = 'tabular.FillMissing';
    const o = checkOptions(fn, options, ['fillStrategy', 'addCol', 'fillVals']);
    this.fillStrategy = o.fillStrategy === undefined ? 'median' : checkOneOf(fn, 'options.fillStrategy', o.fillStrategy, FILL_STRATEGIES);
    this.addCol = o.addCol === undefined ? true : checkBool(fn, 'options.addCol', o.addCol);
    if (o.fillVals !== undefined && !isPlainObject(o.fillVals)) fail(fn, 'options.fillVals', 'an object of numbers per column', o.fillVals);
    this.fillVals = { ...(o.fillVals ?? {}) };
    for (const [k, v] of Object.entries(this.fillVals)) checkNumber(fn, `options.fillVals.${k}`, v);
  }

  setup(t: ProcTable, train: Tensor): void {
    this.naDict = {};
    const trainConts = torch.tidy(() => t.conts.indexSelect(0, train).keep());
    try {
      t.contNames.forEach((n, j) => {
        const col = host(trainConts.select(1, j));
        const present = col.filter((v) => !Number.isNaN(v));
        if (present.length === col.length) return;
        if (present.length === 0 && this.fillStrategy !== 'constant')
          throw new torch.FlintError(
            `${t.fn}: ${t.source}: column '${n}' has no value in the training rows, so FillMissing has no ${this.fillStrategy} to fill it with`,
          );
        Object.defineProperty(this.naDict, n, { value: this.fillValue(n, present), enumerable: true, writable: true, configurable: true });
      });
    } finally {
      trainConts.dispose();
    }
  }

  private fillValue(n: string, present: Float64Array): number {
    if (this.fillStrategy === 'constant') return own(this.fillVals, n) ?? 0;
    const sorted = present.slice().sort();
    if (this.fillStrategy === 'median') {
      // pandas' median: the mean of the two middle values of an even count
      const k = sorted.length;
      return (sorted[(k - 1) >> 1]! + sorted[k >> 1]!) / 2;
    }
    // the most frequent value (the smallest of equally frequent ones)
    let best = sorted[0]!;
    let bestCount = 0;
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j < sorted.length && sorted[j] === sorted[i]) j++;
      if (j - i > bestCount) [best, bestCount] = [sorted[i]!, j - i];
      i = j;
    }
    return best;
  }

  encode(t: ProcTable): void {
    if (t.contNames.length === 0) return;
    const missing = torch.tidy(() => t.conts.isnan().keep());
    try {
      t.contNames.forEach((n, j) => {
        const fill = own(this.naDict, n);
        const flags = torch.tidy(() => missing.select(1, j).toTypedArray() as Uint8Array);
        if (fill === undefined) {
          const r = flags.indexOf(1);
          if (r >= 0)
            throw new torch.FlintError(
              `${t.fn}: ${t.source}: column '${n}' has a missing value at ${t.place(r)} but none in the training rows, so FillMissing has no fill value for it (and the model no '${n}_na' input)`,
            );
          return;
        }
        const filled = torch.tidy(() => torch.where(missing.select(1, j), fill, t.conts.select(1, j)).keep());
        torch.noGrad(() => t.conts.select(1, j).copy_(filled));
        filled.dispose();
        if (!this.addCol) return;
        const name = `${n}_na`;
        if (!t.catNames.includes(name)) t.catNames.push(name);
        t.cats.set(name, { values: Array.from(flags, (f) => (f ? 'True' : 'False')), numeric: false });
      });
    } finally {
      missing.dispose();
    }
  }

  state(): TabularProcState {
    return { name: this.name, fillStrategy: this.fillStrategy, addCol: this.addCol, fillVals: this.fillVals, naDict: this.naDict };
  }
}

/** fastai's Normalize for tables: (x - mean) / (std + 1e-7), the training rows' mean and population std. */
export class Normalize implements TabularProc {
  readonly name = 'Normalize';
  readonly order = 99;
  means: Record<string, number> = {};
  stds: Record<string, number> = {};

  setup(t: ProcTable, train: Tensor): void {
    const [m, s] = torch.tidy(() => {
      const x = t.conts.indexSelect(0, train);
      return [host(x.mean([0])), host(x.std([0], false).add(1e-7))];
    });
    this.means = {};
    this.stds = {};
    t.contNames.forEach((n, j) => {
      if (Number.isNaN(m[j]!))
        throw new torch.FlintError(
          `${t.fn}: ${t.source}: column '${n}' has missing values in the training rows, which Normalize cannot scale; put FillMissing in the procs`,
        );
      Object.defineProperty(this.means, n, { value: m[j]!, enumerable: true, writable: true, configurable: true });
      Object.defineProperty(this.stds, n, { value: s[j]!, enumerable: true, writable: true, configurable: true });
    });
  }

  encode(t: ProcTable): void {
    if (t.contNames.length === 0) return;
    const stat = (r: Record<string, number>, what: string): number[] =>
      t.contNames.map((n) => {
        const v = own(r, n);
        if (v === undefined) throw new torch.FlintError(`${t.fn}: Normalize has no ${what} for column '${n}' (the proc was fitted without it)`);
        return v;
      });
    const means = stat(this.means, 'mean');
    const stds = stat(this.stds, 'std');
    torch.tidy(() => {
      const out = t.conts.sub(torch.tensor(means, { dtype: 'float64' })).div(torch.tensor(stds, { dtype: 'float64' }));
      torch.noGrad(() => t.conts.copy_(out));
    });
  }

  state(): TabularProcState {
    return { name: this.name, means: this.means, stds: this.stds };
  }
}

/** A proc as the user gives it: the class (fastai's style, `procs: [Categorify, FillMissing, Normalize]`) or an
 * instance (with options: `new FillMissing({ fillStrategy: 'mode' })`). */
export type ProcSpec = TabularProc | (new () => TabularProc);

const CLASSES = { Categorify, FillMissing, Normalize } as const;

/** Fresh procs from the user's list (an instance's options copied, so one list fits several tables), sorted by order. */
export function makeProcs(fn: string, arg: string, specs: unknown): TabularProc[] {
  if (!Array.isArray(specs)) fail(fn, arg, 'an array of procs (Categorify, FillMissing, Normalize)', specs);
  const out = (specs as unknown[]).map((p, i) => {
    if (p === Categorify || p instanceof Categorify) return new Categorify();
    if (p === Normalize || p instanceof Normalize) return new Normalize();
    if (p === FillMissing) return new FillMissing();
    if (p instanceof FillMissing) return new FillMissing({ fillStrategy: p.fillStrategy, addCol: p.addCol, fillVals: p.fillVals });
    return fail(fn, `${arg}[${i}]`, 'Categorify, FillMissing or Normalize (the class or an instance)', p);
  });
  const names = out.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(fn, arg, `each proc once (${dup} is listed twice)`, names);
  return out.sort((a, b) => a.order - b.order);
}

/** Procs rebuilt from their saved state (an export), checked against the columns the export names: every
 * categorical column has categories, every continuous one a mean and a positive std. */
export function procsFromState(fn: string, states: unknown, catNames: string[], contNames: string[]): TabularProc[] {
  if (!Array.isArray(states)) fail(fn, 'preprocessing.procs', 'an array of proc states', states);
  return (states as unknown[]).map((s, i) => {
    const arg = `preprocessing.procs[${i}]`;
    if (!isPlainObject(s) || !Object.hasOwn(CLASSES, String(s.name)))
      fail(fn, arg, "a proc state { name: 'Categorify' | 'FillMissing' | 'Normalize', ... }", s);
    const record = (k: string, num: boolean, required: string[] = []): Record<string, never> => {
      const v = s[k];
      if (!isPlainObject(v)) fail(fn, `${arg}.${k}`, 'an object keyed by column', v);
      for (const [c, x] of Object.entries(v)) {
        const ok = num ? typeof x === 'number' && Number.isFinite(x) : Array.isArray(x) && x.every((e) => typeof e === 'string');
        if (!ok) fail(fn, `${arg}.${k}.${c}`, num ? 'a finite number' : 'an array of category names', x);
      }
      const absent = required.find((c) => !Object.hasOwn(v, c));
      if (absent !== undefined) fail(fn, `${arg}.${k}`, `an entry for every column (${absent} has none)`, v);
      return v as Record<string, never>;
    };
    if (s.name === 'Categorify') {
      const p = new Categorify();
      p.classes = record('classes', false, catNames);
      return p;
    }
    if (s.name === 'Normalize') {
      const p = new Normalize();
      p.means = record('means', true, contNames);
      p.stds = record('stds', true, contNames);
      for (const [c, v] of Object.entries(p.stds)) if (!(v > 0)) fail(fn, `${arg}.stds.${c}`, 'a standard deviation > 0', v);
      return p;
    }
    const p = new FillMissing({
      fillStrategy: checkOneOf(fn, `${arg}.fillStrategy`, s.fillStrategy, FILL_STRATEGIES),
      addCol: checkBool(fn, `${arg}.addCol`, s.addCol),
      fillVals: record('fillVals', true),
    });
    p.naDict = record('naDict', true);
    return p;
  });
}

/** A message's view of a proc list. */
export function procNames(procs: TabularProc[]): string {
  return procs.length === 0 ? 'none' : procs.map((p) => p.name).join(', ');
}
