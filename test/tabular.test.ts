// fastai's tabular application: procs fitted on the training rows only (against a pandas computation of the same
// table, test/fixtures/tabular/procs_small.py), the splitters, the cont_cat_split and target guesses, typed
// options, tabularLearner on scikit-learn's wine and diabetes tables (test/fixtures/tabular/make_tables.py),
// an export predicting in a fresh process exactly what the trained learner predicts, and memory over a second fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, type data, loadLearner, metrics, type nn, tabular, tabularLearner, torch, type Tensor } from '../src/index.js';
import { fixture, liveTensors } from './helpers.js';

const TABLES = fileURLToPath(new URL('../../test/fixtures/tabular/', import.meta.url));
const WINE = join(TABLES, 'wine.csv');
const DIABETES = join(TABLES, 'diabetes.csv');

type Cell = string | number | boolean | null;

/** The loader's tensors (in dataset order: training rows in table order, validation rows as split). */
function tensorsOf(dl: data.DataLoader<any>): Tensor[] {
  return (dl.dataset as data.TensorDataset).tensors;
}

/** A tensor's values as plain numbers. */
function values(t: Tensor): number[] {
  return Array.from(t.contiguous().toTypedArray() as ArrayLike<number | bigint>, Number);
}

/** Asserts a tensor holds the expected rows, to 1e-6. */
function assertRows(t: Tensor, want: number[][], what: string): void {
  assert.deepEqual([...t.shape], [want.length, want[0]!.length], `${what}: shape`);
  const got = values(t);
  want
    .flat()
    .forEach((w, k) =>
      assert.ok(Math.abs(got[k]! - w) <= 1e-6, `${what}[${Math.floor(k / want[0]!.length)}][${k % want[0]!.length}]: got ${got[k]}, pandas ${w}`),
    );
}

/** Rows of a CSV file without quoted fields (the fixtures'), numbers as numbers and empty fields as null. */
function readRows(path: string): Record<string, Cell>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [names[j]!, v === '' ? null : Number.isNaN(Number(v)) ? v : Number(v)])));
}

function writeCsv(path: string, rows: Record<string, Cell>[]): void {
  const names = Object.keys(rows[0]!);
  writeFileSync(path, `${names.join(',')}\n${rows.map((r) => names.map((n) => (r[n] === null ? '' : String(r[n]))).join(',')).join('\n')}\n`);
}

interface SmallFixture {
  columns: Record<string, Cell[]>;
  validIdx: number[];
  catNames: string[];
  contNames: string[];
  classes: Record<string, string[]>;
  naDict: Record<string, number>;
  means: Record<string, number>;
  stds: Record<string, number>;
  yVocab: string[];
  train: { cats: number[][]; conts: number[][]; y: number[] };
  valid: { cats: number[][]; conts: number[][]; y: number[] };
}

const quiet = { log: false } as const;

test('procs are fitted on the training rows only, as pandas computes them (Categorify, FillMissing, Normalize)', () => {
  const f = fixture<SmallFixture>('tabular/procs_small.json');
  const opts: tabular.TabularDataLoadersOptions = {
    yNames: 'y',
    catNames: ['color', 'size'],
    contNames: ['age', 'score'],
    validIdx: f.validIdx,
    ...quiet,
  };
  const dls = tabular.TabularDataLoaders.fromColumns(f.columns, opts);
  // 'purple' and size 7 are only in validation rows: not categories; sizes sorted as numbers (not '10' < '100' < '9')
  assert.deepEqual(dls.classes, { ...f.classes, y: f.yVocab });
  assert.deepEqual(f.classes.size, ['#na#', '9', '10', '100']);
  assert.deepEqual(f.classes.color, ['#na#', 'blue', 'green', 'red']);
  assert.deepEqual(dls.catNames, ['color', 'size', 'age_na']);
  assert.deepEqual(dls.contNames, ['age', 'score']);
  assert.deepEqual(dls.cardinalities, [4, 4, 3]);
  // the training median of 8 present ages (19 22 28.25 31.5 | 36 47.5 55 60): the mean of the middle two
  assert.equal(f.naDict.age, 33.75);
  const fill = dls.procs.find((p): p is tabular.FillMissing => p instanceof tabular.FillMissing)!;
  assert.deepEqual({ ...fill.naDict }, { age: 33.75 });
  const norm = dls.procs.find((p): p is tabular.Normalize => p instanceof tabular.Normalize)!;
  // the filled training ages sum to 333 over 9 rows
  assert.equal(norm.means.age, 37);
  for (const c of f.contNames) {
    assert.ok(Math.abs(norm.means[c]! - f.means[c]!) < 1e-12, `mean of ${c}`);
    assert.ok(Math.abs(norm.stds[c]! - f.stds[c]!) < 1e-12, `std of ${c} (ddof 0, + 1e-7)`);
  }
  const [tCat, tCont, tY] = tensorsOf(dls.train);
  const [vCat, vCont, vY] = tensorsOf(dls.valid);
  assert.equal(tCat!.dtype, 'int64');
  assert.equal(tCont!.dtype, 'float32');
  assertRows(tCat!, f.train.cats, 'train codes');
  assertRows(tCont!, f.train.conts, 'train continuous');
  assert.deepEqual(values(tY!), f.train.y);
  assertRows(vCat!, f.valid.cats, 'valid codes');
  assertRows(vCont!, f.valid.conts, 'valid continuous');
  assert.deepEqual(values(vY!), f.valid.y);
  // the validation rows by hand: row 10 (missing color), row 3 (purple, size 7), row 7 (red, 100, missing age)
  assert.deepEqual(f.valid.cats, [
    [0, 1, 1],
    [0, 0, 1],
    [3, 3, 2],
  ]);

  // the same table as row objects and as a CSV file: the same tensors
  const n = f.columns.y!.length;
  const rows = Array.from({ length: n }, (_, r) => Object.fromEntries(Object.entries(f.columns).map(([k, v]) => [k, v[r]!])));
  const csv = join(mkdtempSync(join(tmpdir(), 'flint-tabular-')), 'small.csv');
  writeCsv(csv, rows);
  for (const other of [tabular.TabularDataLoaders.fromRows(rows, opts), tabular.TabularDataLoaders.fromCsv(csv, opts)]) {
    for (const [a, b] of [
      [dls.train, other.train],
      [dls.valid, other.valid],
    ] as const)
      tensorsOf(a).forEach((t, i) => assert.ok(t.equal(tensorsOf(b)[i]!), `tensor ${i}`));
  }
});

test('a continuous column missing only in validation rows is refused, naming the column and the row', () => {
  const f = fixture<SmallFixture>('tabular/procs_small.json');
  const score = [...f.columns.score!];
  score[7] = null; // a validation row; no training row misses a score
  assert.throws(
    () =>
      tabular.TabularDataLoaders.fromColumns(
        { ...f.columns, score },
        { yNames: 'y', catNames: ['color', 'size'], contNames: ['age', 'score'], validIdx: f.validIdx, ...quiet },
      ),
    /: tabular\.TabularDataLoaders\.fromColumns: columns: column 'score' has a missing value at row 8 but none in the training rows/,
  );
  // the same row missing a score in training (not validation): filled, and flagged
  const dls = tabular.TabularDataLoaders.fromColumns(
    { ...f.columns, score },
    { yNames: 'y', catNames: ['color', 'size'], contNames: ['age', 'score'], validIdx: [10, 3], ...quiet },
  );
  assert.deepEqual(dls.catNames, ['color', 'size', 'age_na', 'score_na']);
});

/** n rows: a numeric target equal to the row's index (so a split reads off the targets), a class, a feature. */
function indexed(n: number, klass: (r: number) => string = (r) => (r % 2 ? 'odd' : 'even')): Record<string, Cell[]> {
  return {
    x: Array.from({ length: n }, (_, r) => Math.sin(r) * 3),
    k: Array.from({ length: n }, (_, r) => klass(r)),
    y: Array.from({ length: n }, (_, r) => r),
  };
}

function splitOf(dls: tabular.TabularDataLoaders): { train: number[]; valid: number[] } {
  return { train: values(tensorsOf(dls.train).at(-1)!), valid: values(tensorsOf(dls.valid).at(-1)!) };
}

test('splits: validIdx, validCol, validPct with a seed, stratified', () => {
  const cols = indexed(20);
  const byIdx = splitOf(tabular.TabularDataLoaders.fromColumns(cols, { yNames: 'y', validIdx: [3, 0, 17], ...quiet }));
  assert.deepEqual(byIdx.valid, [3, 0, 17]);
  assert.deepEqual(
    byIdx.train,
    Array.from({ length: 20 }, (_, r) => r).filter((r) => ![3, 0, 17].includes(r)),
  );

  // a true/false column: those rows validate, and the column is no feature
  const flagged = { ...cols, is_valid: cols.y!.map((r) => (r as number) % 5 === 2) };
  const byCol = tabular.TabularDataLoaders.fromColumns(flagged, { yNames: 'y', validCol: 'is_valid', ...quiet });
  assert.deepEqual(splitOf(byCol).valid, [2, 7, 12, 17]);
  assert.equal(splitOf(byCol).train.length, 16);
  assert.deepEqual([byCol.catNames, byCol.contNames], [['k'], ['x']]);

  // a seeded random share: floor(validPct * n) rows, the same for the same seed
  const rand = (seed: number, validPct = 0.25, n = 50) =>
    splitOf(tabular.TabularDataLoaders.fromColumns(indexed(n), { yNames: 'y', validPct, seed, ...quiet }));
  const a = rand(7);
  assert.equal(a.valid.length, 12); // floor(0.25 * 50)
  assert.deepEqual(
    [...a.train, ...a.valid].sort((p, q) => p - q),
    Array.from({ length: 50 }, (_, r) => r),
  );
  assert.deepEqual(rand(7), a);
  assert.notDeepEqual(rand(8).valid, a.valid);
  assert.equal(rand(7, 0.3, 47).valid.length, 14); // floor(14.1)

  // stratified: each class split in the same proportion (within a row)
  const klass = (r: number) => (r < 60 ? 'a' : r < 90 ? 'b' : 'c'); // 60, 30, 10 rows
  const strat = tabular.TabularDataLoaders.fromColumns(
    { x: indexed(100).x!, k: Array.from({ length: 100 }, (_, r) => r), y: Array.from({ length: 100 }, (_, r) => klass(r)) },
    { yNames: 'y', catNames: [], contNames: ['x', 'k'], validPct: 0.2, stratify: true, seed: 3, ...quiet },
  );
  // the rows' indices ride in the continuous column 'k' (normalized; undone with the training statistics)
  const norm = strat.procs.find((p): p is tabular.Normalize => p instanceof tabular.Normalize)!;
  const rowsOf = (dl: data.DataLoader<any>) => values(tensorsOf(dl)[1]!.select(1, 1)).map((v) => Math.round(v * norm.stds.k! + norm.means.k!));
  const validRows = rowsOf(strat.valid);
  for (const [c, count] of [
    ['a', 60],
    ['b', 30],
    ['c', 10],
  ] as const) {
    const got = validRows.filter((r) => klass(r) === c).length;
    assert.ok(Math.abs(got - 0.2 * count) <= 1, `class ${c}: ${got} validation rows of ${count}`);
  }
  assert.equal(validRows.length + rowsOf(strat.train).length, 100);
  assert.equal(new Set([...validRows, ...rowsOf(strat.train)]).size, 100);
});

test("inferred columns (fastai's cont_cat_split) and the guessed target kind, each said once", () => {
  const n = 30;
  const columns: Record<string, Cell[]> = {
    name: Array.from({ length: n }, (_, r) => ['ann', 'bob', 'cy'][r % 3]!), // text: categorical
    flag: Array.from({ length: n }, (_, r) => r % 4 === 0), // booleans: categorical
    level: Array.from({ length: n }, (_, r) => r % 5), // 5 distinct integers: categorical
    count: Array.from({ length: n }, (_, r) => r * 3), // 30 distinct integers (> 20): continuous
    ratio: Array.from({ length: n }, (_, r) => r / 7), // floats: continuous
    holes: Array.from({ length: n }, (_, r) => (r === 4 ? null : r % 3)), // integers with a missing value read as floats: continuous
    price: Array.from({ length: n }, (_, r) => 10 + ((r * 7) % 11)),
    label: Array.from({ length: n }, (_, r) => (r % 2 ? 'cat' : 'dog')),
  };
  const lines: string[] = [];
  const reg = tabular.TabularDataLoaders.fromColumns(columns, { yNames: 'price', ignore: ['label'], validIdx: [0, 1], log: (l) => lines.push(l) });
  assert.deepEqual(reg.catNames, ['name', 'flag', 'level', 'holes_na']);
  assert.deepEqual(reg.contNames, ['count', 'ratio', 'holes']);
  assert.equal(reg.yBlock, 'regression');
  assert.equal(reg.c, 1);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.equal(
    lines[0],
    'tabular.TabularDataLoaders: inferred catNames [name, flag, level] and contNames [count, ratio, holes] ' +
      '(text, booleans and integers with at most 20 values are categorical; other numbers continuous); pass catNames and contNames to choose',
  );
  assert.match(lines[1]!, /yBlock 'regression'.*'price' holds numbers/);
  assert.deepEqual(reg.classes.flag, ['#na#', 'False', 'True']);
  assert.deepEqual(reg.classes.level, ['#na#', '0', '1', '2', '3', '4']);

  lines.length = 0;
  const cls = tabular.TabularDataLoaders.fromColumns(columns, { yNames: 'label', maxCard: 40, validIdx: [0, 1], log: (l) => lines.push(l) });
  assert.deepEqual(cls.catNames, ['name', 'flag', 'level', 'count', 'price', 'holes_na']); // count: 30 values <= 40
  assert.equal(cls.yBlock, 'category');
  assert.deepEqual(cls.vocab, ['cat', 'dog']);
  assert.equal(cls.c, 2);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /yBlock 'category'.*'label' holds text/);

  // everything given: nothing to say
  lines.length = 0;
  tabular.TabularDataLoaders.fromColumns(columns, {
    yNames: 'label',
    yBlock: 'category',
    catNames: ['name'],
    contNames: ['ratio'],
    validIdx: [0],
    log: (l) => lines.push(l),
  });
  assert.deepEqual(lines, []);
});

test('options are typed: an unknown one is a compile error and a runtime ArgumentError naming it', () => {
  const dls = tabular.TabularDataLoaders.fromColumns(indexed(20), { yNames: 'y', validIdx: [0, 1], ...quiet });
  const named = (arg: string) => (e: unknown) => e instanceof ArgumentError && e.arg === arg && e.message.includes(arg);
  // @ts-expect-error layerz is no option of tabularLearner
  assert.throws(() => tabularLearner(dls, { layerz: [1] }), named('opts.layerz'));
  // @ts-expect-error yname is no option (yNames is)
  assert.throws(() => tabular.TabularDataLoaders.fromCsv(WINE, { yname: 'y' }), named('options.yname'));
  assert.throws(
    () => tabular.TabularDataLoaders.fromColumns(indexed(20), { yNames: 'y', validIdx: [0], validPct: 0.2, ...quiet }),
    /one of validIdx, validCol and validPct/,
  );
});

/** The wine table's loaders (is_valid marks 36 validation rows). */
function wineLoaders(): tabular.TabularDataLoaders {
  return tabular.TabularDataLoaders.fromCsv(WINE, { yNames: 'target', validCol: 'is_valid', ...quiet });
}

async function trainedWine(epochs = 8): Promise<ReturnType<typeof tabularLearner>> {
  torch.manualSeed(0);
  const learn = tabularLearner(wineLoaders(), { metrics: [metrics.accuracy()] });
  learn.logger = () => {};
  await learn.noBar(() => learn.fitOneCycle(epochs, 1e-2));
  return learn;
}

test("tabularLearner classifies the wine table (>= 0.9 validation accuracy); embeddings by fastai's rule", async () => {
  const t0 = performance.now();
  const learn = await trainedWine();
  const dls = learn.dls as tabular.TabularDataLoaders;
  assert.deepEqual(dls.catNames, ['alcohol_level', 'malic_acid_na', 'color_intensity_na']);
  assert.equal(dls.contNames.length, 13);
  assert.deepEqual(dls.vocab, ['class_0', 'class_1', 'class_2']);
  // 'rare' is only in validation rows: no category (fastai's df_shrink would have made it one over all rows)
  assert.deepEqual(dls.classes.alcohol_level, ['#na#', 'high', 'low', 'mid']);
  assert.deepEqual(dls.cardinalities, [4, 3, 3]);
  const [, acc] = await learn.validate();
  assert.ok(acc! >= 0.9, `validation accuracy ${acc}`);
  // min(600, round(1.6 * n ** 0.56)): 4 -> round(3.48) = 3, 3 -> round(2.96) = 3
  const sd = learn.model.stateDict();
  const embeds = dls.cardinalities.map((_, i) => [...sd[`embeds.${i}.weight`]!.shape]);
  assert.deepEqual(embeds, [
    [4, 3],
    [3, 3],
    [3, 3],
  ]);
  assert.deepEqual(tabular.getEmbSz(dls), embeds);
  assert.deepEqual(
    embeds.map(([n]) => Math.min(600, Math.round(1.6 * n! ** 0.56))),
    embeds.map(([, w]) => w),
  );
  // [3 + 3 + 3 embeddings + 13 continuous] -> 200 -> 100 -> 3 classes
  assert.deepEqual([...sd['layers.0.0.weight']!.shape], [200, 22]);
  assert.deepEqual([...sd['layers.2.0.weight']!.shape], [3, 100]);
  const ms = performance.now() - t0;
  assert.ok(ms < 20000, `${ms.toFixed(0)} ms`);
});

test('tabularLearner regresses the diabetes table with yRange (R2 >= 0.3)', async () => {
  const dls = tabular.TabularDataLoaders.fromCsv(DIABETES, { yNames: 'target', validCol: 'is_valid', ...quiet });
  assert.equal(dls.yBlock, 'regression');
  assert.equal(dls.c, 1);
  torch.manualSeed(0);
  const learn = tabularLearner(dls, { yRange: [0, 400], metrics: [metrics.R2Score()] });
  learn.logger = () => {};
  assert.deepEqual((learn.model as nn.Module & { yRange: [number, number] }).yRange, [0, 400]);
  assert.deepEqual([...learn.model.stateDict()['layers.2.0.weight']!.shape], [1, 100]);
  await learn.noBar(() => learn.fitOneCycle(8, 1e-2));
  const [mse, r2] = await learn.validate();
  assert.ok(r2! >= 0.3, `R2 ${r2} (MSE ${mse})`);
  const { preds } = await learn.getPreds();
  torch.tidy(() => {
    assert.deepEqual([...preds.shape], [88, 1]);
    assert.ok(preds.min().item() > 0 && preds.max().item() < 400, 'inside yRange');
  });
  preds.dispose();
});

test('an export predicts in a fresh process exactly what the learner predicts (unknown and missing values too)', async () => {
  const learn = await trainedWine(4);
  const dls = learn.dls as tabular.TabularDataLoaders;
  const dir = mkdtempSync(join(tmpdir(), 'flint-tabular-'));
  const file = learn.export(join(dir, 'wine.safetensors'));

  // new rows: validation rows without the split column, some with unknown categories or missing values
  const rows = readRows(WINE)
    .filter((r) => r.is_valid === 'true')
    .slice(0, 8)
    .map(({ is_valid, ...r }) => r);
  rows[0]!.alcohol_level = 'zzz'; // never seen
  rows[1]!.alcohol_level = 'rare'; // only in validation rows: unknown to the procs
  rows[2]!.alcohol_level = null;
  rows[3]!.malic_acid = null; // filled with the training median, flagged
  rows[4]!.color_intensity = null;
  rows[5]!.malic_acid = null;
  rows[5]!.alcohol_level = null;
  const csv = join(dir, 'new.csv');
  writeCsv(csv, rows);
  // what the export carries: the fitted procs, the columns and the classes
  const loaded = loadLearner(file).dls as tabular.TabularDataLoaders;
  assert.deepEqual([loaded.catNames, loaded.contNames, loaded.classes], [dls.catNames, dls.contNames, dls.classes]);
  assert.deepEqual(
    loaded.procs.map((p) => p.state()),
    dls.procs.map((p) => p.state()),
  );

  // unknown and missing categories code 0; missing continuous values filled and flagged
  const [xCat] = dls.encodeItem(rows[0]!);
  assert.deepEqual(values(xCat!), [0, 1, 1]);
  const [missing] = dls.encodeItem(rows[5]!);
  assert.deepEqual(values(missing!), [0, 2, 1]);
  torch.dispose([xCat!, missing!]);

  const here = rows.map((r) => {
    const p = learn.predict(r);
    const out = { probs: values(p.probs), decoded: p.decoded.item(), label: p.label };
    torch.dispose([p.probs, p.decoded]);
    return out;
  });
  const newDl = dls.testDl(csv);
  const { preds, targs } = await learn.getPreds({ dl: newDl });
  const batch = { preds: preds.toArray() as number[][], targs: targs ? values(targs) : null };
  torch.dispose([preds, targs]);
  assert.deepEqual(
    batch.targs,
    rows.map((r) => dls.vocab!.indexOf(r.target as string)),
  );
  // one row at a time and in a batch: the same numbers (to rounding)
  here.forEach((h, i) => h.probs.forEach((p, j) => assert.ok(Math.abs(p - batch.preds[i]![j]!) < 1e-6, `row ${i} class ${j}`)));
  assert.deepEqual(
    here.map((h) => h.label),
    here.map((h) => dls.vocab![h.decoded]),
  );

  const child = `
    import { loadLearner } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    const [file, csv, rowsJson] = process.argv.slice(1);
    const learn = loadLearner(file);
    const rows = JSON.parse(rowsJson).map((r) => {
      const p = learn.predict(r);
      return { probs: Array.from(p.probs.toTypedArray(), Number), decoded: p.decoded.item(), label: p.label };
    });
    const { preds, targs } = await learn.getPreds({ dl: learn.dls.testDl(csv) });
    console.log(JSON.stringify({ rows, batch: { preds: preds.toArray(), targs: targs ? Array.from(targs.toTypedArray(), Number) : null } }));`;
  const got = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', child, file, csv, JSON.stringify(rows)], { encoding: 'utf8' }),
  ) as { rows: typeof here; batch: typeof batch };
  assert.deepEqual(got.rows, here);
  assert.deepEqual(got.batch, batch);

  // the results table: features decoded, the target and the prediction
  const log = console.log;
  console.log = () => {};
  let shown: string;
  try {
    shown = await learn.showResults({ maxN: 3 });
  } finally {
    console.log = log;
  }
  const lines = shown.split('\n');
  assert.equal(lines.length, 4);
  const header = lines[0]!.split(/\s+/);
  assert.deepEqual(header.slice(-2), ['target', 'target_pred']);
  assert.deepEqual(header.slice(0, 4), ['alcohol_level', 'malic_acid_na', 'color_intensity_na', 'alcohol']);
  // the first validation row of wine.csv: high, 14.23 (un-normalized), class_0
  const first = lines[1]!.split(/\s+/);
  assert.deepEqual([first[0], first[3], first.at(-2)], ['high', '14.23', 'class_0']);
  assert.ok(dls.vocab!.includes(first.at(-1)!));
});

test('a second fit keeps no more tensors alive', async () => {
  const learn = await trainedWine(1);
  const before = liveTensors();
  await learn.noBar(() => learn.fit(2, 1e-3));
  assert.equal(liveTensors(), before);
  const dl = (learn.dls as tabular.TabularDataLoaders).testDl(WINE);
  const r = await learn.getPreds({ dl });
  torch.dispose([r.preds, r.targs]);
  assert.equal(liveTensors(), before + 3, "the test loader's tensors (codes, continuous values, targets)");
});

test("contCatSplit types columns as pandas' read_csv and splits them by fastai's cont_cat_split", () => {
  // pandas 1.5 reads f and gap as float64 ('1.0' is a float; a gap makes integers float), i and many as int64,
  // b as bool and t as object; fastai's cont_cat_split(df, max_card=3, dep_var='y') gives
  // (['f', 'many', 'gap'], ['i', 't', 'b'])
  const dir = mkdtempSync(join(tmpdir(), 'flint-ccs-'));
  const path = join(dir, 't.csv');
  writeFileSync(path, 'f,i,t,many,gap,b,y\n1.0,1,a,1,1,True,0\n2.0,2,b,2,,False,1\n3.5,1,a,3,3,True,0\n4.0,3,c,4,4,False,1\n5.0,2,b,5,5,True,0\n');
  assert.deepEqual(tabular.contCatSplit(path, { maxCard: 3, depVar: 'y' }), { catNames: ['i', 't', 'b'], contNames: ['f', 'many', 'gap'] });
  // with the default maxCard (20) every integer column is categorical; ignore leaves columns out
  assert.deepEqual(tabular.contCatSplit(path, { depVar: ['y'], ignore: ['t'] }), { catNames: ['i', 'many', 'b'], contNames: ['f', 'gap'] });
  assert.throws(() => tabular.contCatSplit(path, { depVar: 'z' }), /tabular\.contCatSplit: CSV file .* has no column 'z'/);
});
