// fastai's TabularDataLoaders: a table (CSV file, row objects or columns) split into training and validation rows,
// processed by procs fitted on the training rows, as batches [categorical codes int64 [N, nCat], continuous float32
// [N, nCont], target] (fastai's (cats, conts, ys); collaborative filtering leaves the continuous tensor out). The
// fitted procs travel in `preprocessing`, so an export encodes new rows exactly as training did.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import {
  checkArray,
  checkBool,
  checkDevice,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkString,
  fail,
  isPlainObject,
} from '../torch/validate.js';
import { DataLoader, DataLoaders, TensorDataset, registerLoaders, type Preprocessing, type TabularPreprocessing } from '../data/index.js';
import { cellText, columnOf, type CellValue, type Column, type Table, tableOf } from './columns.js';
import { splitColumns, guessYBlock, type YBlock } from './infer.js';
import { Categorify, FillMissing, Normalize, makeProcs, procsFromState, type ProcSpec, type ProcTable, type TabularProc } from './procs.js';
import { splitByColumn, splitByIndex, splitRandom, type Split } from './split.js';
import { resultsTable } from './show.js';

export interface TabularDataLoadersOptions {
  /** The target column(s) (fastai's y_names). */
  yNames?: string | string[];
  /** Categorical columns; with contNames omitted too, both are inferred (fastai's cont_cat_split rule, see maxCard). */
  catNames?: string[];
  contNames?: string[];
  /** Default [Categorify, FillMissing, Normalize]; [] for none. */
  procs?: ProcSpec[];
  /** 'category' (classification), 'regression', or 'multiCategory' (yNames are 0/1 columns, one per label);
   * guessed from the target when omitted (numbers: a regression) and the guess printed. */
  yBlock?: YBlock;
  /** Validation rows by index (fastai's IndexSplitter). */
  validIdx?: number[];
  /** A column of true/false (or 1/0) marking the validation rows (fastai's ColSplitter); not a feature. */
  validCol?: string;
  /** The validation share of a seeded random split (default 0.2), when neither validIdx nor validCol is given. */
  validPct?: number;
  seed?: number;
  /** Split each class of the target in the same proportion (a classification's random split). */
  stratify?: boolean;
  /** Columns left out when inferring catNames / contNames (identifiers, other targets). */
  ignore?: string[];
  /** Integer columns with more distinct values than this are continuous when inferring (default 20, fastai's). */
  maxCard?: number;
  batchSize?: number;
  /** The validation loader's batch size (default: batchSize). */
  valBatchSize?: number;
  device?: string;
  /** Where the choices made for the user are printed (inferred columns, a guessed target kind); false: nowhere. */
  log?: ((line: string) => void) | false;
}

const OPTIONS = [
  'yNames',
  'catNames',
  'contNames',
  'procs',
  'yBlock',
  'validIdx',
  'validCol',
  'validPct',
  'seed',
  'stratify',
  'ignore',
  'maxCard',
  'batchSize',
  'valBatchSize',
  'device',
  'log',
] as const;

/** The parts of a tabular preprocessing the loaders keep (the fitted procs live). */
interface TabularSpec {
  catNames: string[];
  contNames: string[];
  yNames: string[];
  yBlock: YBlock;
  procs: TabularProc[];
  vocab: string[] | null;
  withCont: boolean;
}

/** The model's inputs (and targets) of processed rows. */
interface Encoded {
  xCat: Tensor;
  xCont: Tensor;
  y: Tensor | null;
}

export class TabularDataLoaders extends DataLoaders {
  readonly catNames: string[];
  readonly contNames: string[];
  readonly yNames: string[];
  readonly yBlock: YBlock;
  /** The procs, fitted on the training rows, in the order they run. */
  readonly procs: readonly TabularProc[];
  /** The target's classes (category), the label columns (multiCategory); null for a regression. */
  readonly vocab: string[] | null;
  readonly withCont: boolean;
  readonly batchSize: number;

  constructor(train: DataLoader<any>, valid: DataLoader<any>, device: string, spec: TabularSpec, batchSize: number) {
    super(train, valid, device);
    this.catNames = spec.catNames;
    this.contNames = spec.contNames;
    this.yNames = spec.yNames;
    this.yBlock = spec.yBlock;
    this.procs = spec.procs;
    this.vocab = spec.vocab;
    this.withCont = spec.withCont;
    this.batchSize = batchSize;
    this.nInp = spec.withCont ? 2 : 1;
    const prep: TabularPreprocessing = {
      kind: 'tabular',
      catNames: spec.catNames,
      contNames: spec.contNames,
      yNames: spec.yNames,
      yBlock: spec.yBlock,
      procs: spec.procs.map((p) => p.state()),
      vocab: spec.vocab,
      withCont: spec.withCont,
    };
    this.preprocessing = prep;
  }

  /** Each categorical column's categories, '#na#' first (fastai's dls.classes); the target's under its name. */
  get classes(): Record<string, string[]> {
    const cat = this.procs.find((p): p is Categorify => p instanceof Categorify);
    const out: Record<string, string[]> = { ...(cat?.classes ?? {}) };
    if (this.yBlock === 'category' && this.vocab) out[this.yNames[0]!] = this.vocab;
    return out;
  }

  /** The model's outputs: the number of classes, or of targets for a regression (fastai's dls.c). */
  get c(): number {
    return this.vocab?.length ?? this.yNames.length;
  }

  /** The categories of each categorical column, the unknown '#na#' included (the embeddings' sizes). */
  get cardinalities(): number[] {
    const classes = this.classes;
    return this.catNames.map((n) => classes[n]!.length);
  }

  /** A CSV file with a header row. */
  static fromCsv(path: string, options: TabularDataLoadersOptions = {}): TabularDataLoaders {
    const fn = 'tabular.TabularDataLoaders.fromCsv';
    checkString(fn, 'path', path);
    return build(fn, tableOf(fn, 'path', path), options, true);
  }

  /** Row objects ({ column: value }, fastai's from_df on a list of records). */
  static fromRows(rows: Record<string, CellValue>[], options: TabularDataLoadersOptions = {}): TabularDataLoaders {
    const fn = 'tabular.TabularDataLoaders.fromRows';
    if (!Array.isArray(rows)) fail(fn, 'rows', 'an array of row objects', rows);
    return build(fn, tableOf(fn, 'rows', rows), options, true);
  }

  /** Column arrays ({ column: values[] }). */
  static fromColumns(columns: Record<string, CellValue[]>, options: TabularDataLoadersOptions = {}): TabularDataLoaders {
    const fn = 'tabular.TabularDataLoaders.fromColumns';
    if (!isPlainObject(columns)) fail(fn, 'columns', 'an object of column arrays', columns);
    return build(fn, tableOf(fn, 'columns', columns), options, true);
  }

  /** Loaders without rows that encode new ones as the exported preprocessing says (loadLearner). */
  static fromPreprocessing(prep: Preprocessing, device = 'cpu'): TabularDataLoaders {
    const fn = 'tabular.TabularDataLoaders.fromPreprocessing';
    checkDevice(fn, 'device', device);
    const spec = checkPrep(fn, prep);
    const empty = (): DataLoader<any> =>
      new DataLoader(new TensorDataset(torch.zeros([0, spec.catNames.length], { dtype: 'int64' }), torch.zeros([0, spec.contNames.length])), {
        device,
      });
    return new TabularDataLoaders(empty(), empty(), device, spec, 64);
  }

  /** fastai's test_dl: new rows (a CSV file, row objects or columns) processed as the training rows were, in order;
   * with the target column(s) present, batches carry the targets too (for validate). */
  testDl(source: string | Record<string, CellValue>[] | Record<string, CellValue[]>, options: { batchSize?: number } = {}): DataLoader<any> {
    const fn = 'TabularDataLoaders.testDl';
    const o = checkOptions(fn, options, ['batchSize']);
    const batchSize = o.batchSize === undefined ? this.batchSize : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
    const t = tableOf(fn, 'source', source);
    const labelled = this.yNames.length > 0 && this.yNames.every((n) => t.columns.has(n));
    const e = encode(fn, t, this, labelled);
    return new DataLoader(new TensorDataset(...parts(e, this.withCont)), { batchSize, device: this.device });
  }

  /** One row object as the model's inputs (Learner.predict(row)). */
  override encodeItem(item: unknown): Tensor[] {
    const fn = 'Learner.predict';
    if (!isPlainObject(item)) fail(fn, 'item', `a row object with the columns ${[...this.rawCatNames(), ...this.contNames].join(', ')}`, item);
    const e = encode(fn, tableOf(fn, 'row', [item]), this, false);
    return parts(e, this.withCont);
  }

  override showResultsTable(inputs: Tensor[], targets: Tensor[], decoded: Tensor): string {
    return resultsTable(this, inputs, targets, decoded);
  }

  /** The categorical columns the data has (those FillMissing adds left out). */
  rawCatNames(): string[] {
    return rawCats(this.catNames, this.procs);
  }
}

function rawCats(catNames: string[], procs: readonly TabularProc[]): string[] {
  const fill = procs.find((p): p is FillMissing => p instanceof FillMissing);
  const added = new Set(fill?.addCol ? Object.keys(fill.naDict).map((n) => `${n}_na`) : []);
  return catNames.filter((n) => !added.has(n));
}

function parts(e: Encoded, withCont: boolean): Tensor[] {
  const out = withCont ? [e.xCat, e.xCont] : [e.xCat];
  if (!withCont) e.xCont.dispose();
  return e.y ? [...out, e.y] : out;
}

function names(fn: string, arg: string, v: unknown): string[] {
  return checkArray<string>(fn, arg, v, 'an array of column names').map((x, i) => checkString(fn, `${arg}[${i}]`, x));
}

/** The procs' working table of a source table's columns (categorical as text, continuous as one float64 tensor). */
function procTable(fn: string, t: Table, catNames: string[], contNames: string[]): ProcTable {
  const cats = new Map<string, { values: (string | null)[]; numeric: boolean }>();
  for (const n of catNames) {
    const c = columnOf(fn, t, n, 'a categorical column');
    const numeric = c.kind === 'integer' || c.kind === 'float';
    cats.set(n, { values: c.values.map((v) => (numeric ? (Number.isNaN(v) ? null : String(v)) : (v as string | null))), numeric });
  }
  const data = new Float64Array(t.nRows * contNames.length);
  contNames.forEach((n, j) => {
    const c = columnOf(fn, t, n, 'a continuous column');
    // a column with no value at all (one new row with a blank) reads as text: it is missing numbers
    if (c.values.every((v) => v === null)) {
      for (let i = 0; i < t.nRows; i++) data[i * contNames.length + j] = Number.NaN;
      return;
    }
    if (c.kind !== 'integer' && c.kind !== 'float') {
      // the first text among numbers (a typo), else the first value
      const at = c.mixed?.[1] ?? c.values.findIndex((v) => v !== null);
      throw new torch.FlintError(
        `${fn}: ${t.source}: the continuous column '${n}' holds ${c.kind === 'bool' ? 'true/false' : 'text'} at ${t.place(at)}: ${cellText(c.values[at])} (list it in catNames instead)`,
      );
    }
    c.values.forEach((v, i) => {
      data[i * contNames.length + j] = v as number;
    });
  });
  return {
    fn,
    source: t.source,
    place: t.place,
    nRows: t.nRows,
    catNames: [...catNames],
    contNames: [...contNames],
    cats,
    codes: new Map(),
    conts: torch.fromTypedArray(data, [t.nRows, contNames.length]).keep(),
  };
}

/** The model's inputs from a processed table: codes and float32 continuous values, missing ones refused. */
function inputsOf(fn: string, pt: ProcTable): { xCat: Tensor; xCont: Tensor } {
  const missingCodes = pt.catNames.filter((n) => !pt.codes.has(n));
  if (missingCodes.length > 0)
    throw new torch.FlintError(`${fn}: the categorical columns ${missingCodes.join(', ')} need Categorify in procs (the model takes category codes)`);
  const nanCol = torch.tidy(() => (pt.contNames.length === 0 ? -1 : Array.from(pt.conts.isnan().any(0).toTypedArray() as Uint8Array).indexOf(1)));
  if (nanCol >= 0) {
    const n = pt.contNames[nanCol]!;
    const r = torch.tidy(() => Array.from(pt.conts.select(1, nanCol).isnan().toTypedArray() as Uint8Array).indexOf(1));
    throw new torch.FlintError(`${fn}: ${pt.source}: the continuous column '${n}' has a missing value at ${pt.place(r)}; put FillMissing in procs`);
  }
  const codes = new Float64Array(pt.nRows * pt.catNames.length);
  pt.catNames.forEach((n, j) => {
    pt.codes.get(n)!.forEach((c, i) => {
      codes[i * pt.catNames.length + j] = c;
    });
  });
  return torch.tidy(() => ({
    xCat: torch.fromTypedArray(codes, [pt.nRows, pt.catNames.length], { dtype: 'int64' }),
    xCont: pt.conts.float(),
  }));
}

/** The target tensor of the given rows: class codes (int64), values (float32) or multi-hot labels (float32). */
function targetsOf(fn: string, t: Table, yNames: string[], yBlock: YBlock, vocab: string[] | null): Tensor {
  const cols = yNames.map((n) => columnOf(fn, t, n, 'a target column'));
  const missingAt = (c: Column): number => c.values.findIndex((v) => v === null || Number.isNaN(v));
  for (const c of cols) {
    const r = missingAt(c);
    if (r >= 0) throw new torch.FlintError(`${fn}: ${t.source}: the target '${c.name}' is missing at ${t.place(r)}`);
  }
  if (yBlock === 'category') {
    const c = cols[0]!;
    const index = new Map(vocab!.map((v, i) => [v, i]));
    const codes = c.values.map((v, r) => {
      const k = index.get(String(v));
      if (k === undefined)
        throw new torch.FlintError(
          `${fn}: ${t.source}: the target '${c.name}' is ${cellText(v)} at ${t.place(r)}, a class the training rows do not have (classes: ${vocab!.join(', ')})`,
        );
      return k;
    });
    return torch.tensor(codes, { dtype: 'int64' });
  }
  if (yBlock === 'multiCategory') {
    const data = new Float32Array(t.nRows * cols.length);
    cols.forEach((c, j) =>
      c.values.forEach((v, r) => {
        const hot = v === 1 || v === 'True' ? 1 : v === 0 || v === 'False' ? 0 : -1;
        if (hot < 0)
          throw new torch.FlintError(
            `${fn}: ${t.source}: the label column '${c.name}' holds ${cellText(v)} at ${t.place(r)}; expected 0/1 or true/false`,
          );
        data[r * cols.length + j] = hot;
      }),
    );
    return torch.fromTypedArray(data, [t.nRows, cols.length]);
  }
  for (const c of cols) {
    if (c.kind !== 'integer' && c.kind !== 'float') {
      const r = c.values.findIndex((v) => typeof v === 'string');
      throw new torch.FlintError(
        `${fn}: ${t.source}: a regression's target '${c.name}' holds ${cellText(c.values[r])} at ${t.place(r)}, not a number`,
      );
    }
  }
  const data = new Float32Array(t.nRows * cols.length);
  cols.forEach((c, j) =>
    c.values.forEach((v, r) => {
      data[r * cols.length + j] = v as number;
    }),
  );
  return torch.fromTypedArray(data, cols.length === 1 ? [t.nRows] : [t.nRows, cols.length]);
}

/** New rows encoded with fitted procs (testDl, predict). */
function encode(fn: string, t: Table, dls: TabularDataLoaders, withTargets: boolean): Encoded {
  const pt = procTable(fn, t, dls.rawCatNames(), dls.contNames);
  try {
    for (const p of dls.procs) p.encode(pt);
    const extra = pt.catNames.filter((n) => !dls.catNames.includes(n));
    if (extra.length > 0) throw new torch.FlintError(`${fn}: the procs made columns the model does not take: ${extra.join(', ')}`);
    pt.catNames = dls.catNames; // the model's order
    const { xCat, xCont } = inputsOf(fn, pt);
    let y: Tensor | null = null;
    if (withTargets) {
      try {
        y = targetsOf(fn, t, dls.yNames, dls.yBlock, dls.vocab);
      } catch (e) {
        torch.dispose([xCat, xCont]);
        throw e;
      }
    }
    return { xCat, xCont, y };
  } finally {
    pt.conts.dispose();
  }
}

/** The feature columns: both lists given; both omitted, fastai's cont_cat_split on the other columns; one omitted,
 * all the other columns. What was inferred is said. */
function chooseColumns(
  fn: string,
  t: Table,
  cats: string[] | null,
  conts: string[] | null,
  usable: (name: string) => boolean,
  maxCard: number,
  log: (line: string) => void,
): { catNames: string[]; contNames: string[] } {
  if (cats !== null && conts !== null) return { catNames: cats, contNames: conts };
  const given = new Set([...(cats ?? []), ...(conts ?? [])]);
  const rest = t.names.filter((n) => usable(n) && !given.has(n));
  let out: { catNames: string[]; contNames: string[] };
  let rule: string;
  if (cats === null && conts === null) {
    out = splitColumns(fn, t, rest, maxCard);
    rule = `text, booleans and integers with at most ${maxCard} values are categorical; other numbers continuous`;
  } else if (cats === null) {
    out = { catNames: rest, contNames: conts! };
    rule = 'the columns not in contNames';
  } else {
    out = { catNames: cats, contNames: rest };
    rule = 'the columns not in catNames';
  }
  log(
    `${fn.replace(/\.from\w+$/, '')}: inferred catNames [${out.catNames.join(', ')}] and contNames [${out.contNames.join(', ')}] (${rule}); ` +
      'pass catNames and contNames to choose',
  );
  return out;
}

/** Builds the loaders: columns chosen, rows split, procs fitted on the training rows, tensors made. */
function build(fn: string, t: Table, options: TabularDataLoadersOptions, withCont: boolean): TabularDataLoaders {
  const o = checkOptions(fn, options, OPTIONS);
  const log = o.log === false ? () => {} : o.log === undefined ? console.log : o.log;
  if (o.log !== undefined && o.log !== false && typeof o.log !== 'function') fail(fn, 'options.log', 'a function or false', o.log);
  const yNames = o.yNames === undefined ? [] : typeof o.yNames === 'string' ? [o.yNames] : names(fn, 'options.yNames', o.yNames);
  if (yNames.length === 0) fail(fn, 'options.yNames', 'the target column(s) to predict', o.yNames);
  yNames.forEach((n) => columnOf(fn, t, n, 'options.yNames'));
  const validCol = o.validCol === undefined ? null : checkString(fn, 'options.validCol', o.validCol);
  if (validCol !== null) columnOf(fn, t, validCol, 'options.validCol');
  const batchSize = o.batchSize === undefined ? 64 : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
  const valBatchSize = o.valBatchSize === undefined ? batchSize : checkInt(fn, 'options.valBatchSize', o.valBatchSize, { min: 1 });
  const maxCard = o.maxCard === undefined ? 20 : checkInt(fn, 'options.maxCard', o.maxCard, { min: 0 });
  const seed = o.seed === undefined ? 42 : checkInt(fn, 'options.seed', o.seed, { min: 0, max: 2 ** 52 });
  const device = o.device === undefined ? 'cpu' : checkDevice(fn, 'options.device', o.device);
  const procs = makeProcs(fn, 'options.procs', o.procs === undefined ? [Categorify, FillMissing, Normalize] : o.procs);

  // the columns: given, or the rest inferred by fastai's rule (and said)
  const ignore = o.ignore === undefined ? [] : names(fn, 'options.ignore', o.ignore);
  ignore.forEach((n) => columnOf(fn, t, n, 'options.ignore'));
  const taken = new Set([...yNames, ...(validCol === null ? [] : [validCol])]);
  const givenCats = o.catNames === undefined ? null : names(fn, 'options.catNames', o.catNames);
  const givenConts = o.contNames === undefined ? null : names(fn, 'options.contNames', o.contNames);
  for (const n of [...(givenCats ?? []), ...(givenConts ?? [])]) {
    columnOf(fn, t, n, 'a feature column');
    if (taken.has(n))
      fail(fn, givenCats?.includes(n) ? 'options.catNames' : 'options.contNames', `feature columns only (not the target or validCol '${n}')`, n);
  }
  const both = (givenCats ?? []).find((n) => givenConts?.includes(n));
  if (both) fail(fn, 'options.contNames', `columns not also in catNames ('${both}' is in both)`, givenConts);
  const { catNames, contNames } = chooseColumns(fn, t, givenCats, givenConts, (n) => !taken.has(n) && !ignore.includes(n), maxCard, log);
  if (catNames.length + contNames.length === 0) throw new torch.FlintError(`${fn}: ${t.source} has no feature column besides the target`);

  // the target's kind: given, or guessed (and said)
  const yCols = yNames.map((n) => t.columns.get(n)!);
  let yBlock: YBlock;
  if (o.yBlock === undefined) {
    const g = guessYBlock(yCols);
    yBlock = g.yBlock;
    log(`${fn.replace(/\.from\w+$/, '')}: yBlock '${yBlock}': ${g.why}`);
  } else yBlock = checkOneOf(fn, 'options.yBlock', o.yBlock, ['category', 'regression', 'multiCategory']);
  if (yBlock === 'category' && yNames.length !== 1) fail(fn, 'options.yNames', "one target column for yBlock 'category'", yNames);

  // the split
  const splitters = [o.validIdx !== undefined && 'validIdx', validCol !== null && 'validCol', o.validPct !== undefined && 'validPct'].filter(Boolean);
  if (splitters.length > 1) fail(fn, 'options', `one of validIdx, validCol and validPct (got ${splitters.join(' and ')})`, splitters);
  const stratify = o.stratify === undefined ? false : checkBool(fn, 'options.stratify', o.stratify);
  if (stratify && (yBlock !== 'category' || o.validIdx !== undefined || validCol !== null))
    fail(fn, 'options.stratify', "false unless a classification's random split (yBlock 'category', validPct)", o.stratify);
  let split: Split;
  if (o.validIdx !== undefined) split = splitByIndex(fn, 'options.validIdx', o.validIdx, t.nRows);
  else if (validCol !== null) split = splitByColumn(fn, t.columns.get(validCol)!, t.place);
  else {
    const validPct = o.validPct === undefined ? 0.2 : checkNumber(fn, 'options.validPct', o.validPct, { min: 0 });
    if (validPct >= 1) fail(fn, 'options.validPct', 'a share >= 0 and < 1', validPct);
    const strata = stratify ? yCols[0]!.values.map((v) => (v === null ? null : String(v))) : null;
    split = splitRandom(validPct, seed, t.nRows, strata);
  }
  if (split.train.length === 0) throw new torch.FlintError(`${fn}: ${t.source}: the split leaves no training rows (${t.nRows} rows in all)`);

  // the procs, fitted on the training rows and applied to all
  const pt = procTable(fn, t, catNames, contNames);
  let inputs: { xCat: Tensor; xCont: Tensor };
  const trainIdx = torch.tensor(split.train, { dtype: 'int64' }).keep();
  const validIdx = torch.tensor(split.valid, { dtype: 'int64' }).keep();
  try {
    for (const p of procs) {
      p.setup(pt, trainIdx);
      p.encode(pt);
    }
    inputs = inputsOf(fn, pt);
  } catch (e) {
    torch.dispose([trainIdx, validIdx]);
    throw e;
  } finally {
    pt.conts.dispose();
  }
  let vocab: string[] | null = null;
  if (yBlock === 'category') {
    const values = yCols[0]!.values;
    const numeric = yCols[0]!.kind === 'integer' || yCols[0]!.kind === 'float';
    const seen = new Set<string>();
    for (const r of split.train) if (values[r] !== null && !Number.isNaN(values[r])) seen.add(String(values[r]));
    vocab = [...seen].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } else if (yBlock === 'multiCategory') vocab = [...yNames];
  let y: Tensor;
  try {
    y = targetsOf(fn, t, yNames, yBlock, vocab);
  } catch (e) {
    torch.dispose([trainIdx, validIdx, inputs.xCat, inputs.xCont]);
    throw e;
  }
  const all = parts({ ...inputs, y }, withCont);
  const [trainParts, validParts] = torch.tidy(() => [all.map((x) => x.indexSelect(0, trainIdx)), all.map((x) => x.indexSelect(0, validIdx))]);
  torch.dispose([all, trainIdx, validIdx]);
  const train = new DataLoader(new TensorDataset(...trainParts!), { batchSize, shuffle: true, dropLast: true, device, seed });
  const valid = new DataLoader(new TensorDataset(...validParts!), { batchSize: valBatchSize, device });
  return new TabularDataLoaders(train, valid, device, { catNames: pt.catNames, contNames, yNames, yBlock, procs, vocab, withCont }, batchSize);
}

/** An exported preprocessing, checked (it comes from a file), with its procs rebuilt. */
function checkPrep(fn: string, p: unknown): TabularSpec {
  if (!isPlainObject(p) || p.kind !== 'tabular') fail(fn, 'preprocessing', "a tabular preprocessing ({ kind: 'tabular', ... })", p);
  const q = p as unknown as TabularPreprocessing;
  if (!Array.isArray(q.procs))
    throw new torch.FlintError(`${fn}: the export's tabular preprocessing has no procs (written by an older Flint); train and export again`);
  const vocab = q.vocab === null ? null : names(fn, 'preprocessing.vocab', q.vocab);
  const catNames = names(fn, 'preprocessing.catNames', q.catNames);
  const contNames = names(fn, 'preprocessing.contNames', q.contNames);
  return {
    catNames,
    contNames,
    yNames: names(fn, 'preprocessing.yNames', q.yNames),
    yBlock: checkOneOf(fn, 'preprocessing.yBlock', q.yBlock, ['category', 'regression', 'multiCategory']),
    procs: procsFromState(fn, q.procs, catNames, contNames),
    vocab,
    withCont: checkBool(fn, 'preprocessing.withCont', q.withCont),
  };
}

/** Builds loaders without the continuous tensor (collaborative filtering's [codes, rating]). */
export function buildTabular(fn: string, t: Table, options: TabularDataLoadersOptions, withCont: boolean): TabularDataLoaders {
  return build(fn, t, options, withCont);
}

registerLoaders('tabular', (prep, device) => TabularDataLoaders.fromPreprocessing(prep, device));
