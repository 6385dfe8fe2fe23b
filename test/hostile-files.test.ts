// Hostile files for the readers: IDX (readIdx) and CSV (readCsv, TabularDataLoaders.fromCsv and testDl). Each bad file
// gives a FlintError naming the function, the file and, where it applies, the row, line and column; never a
// crash, a hang or a silently wrong table. Column names are data and never reach an object's prototype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { data, tabular, torch, FlintError, type Tensor } from '../src/index.js';
import { liveTensors } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-hostile-'));
let n = 0;
function file(content: string | Buffer, ext: string): string {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, content);
  return path;
}
/** Asserts that f throws a FlintError whose message matches every pattern and names the file. */
function refuses(f: () => unknown, path: string, ...patterns: RegExp[]): void {
  const live = liveTensors();
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof FlintError, `a FlintError, got ${String(e)}`);
    assert.ok(e.message.includes(path), `the message names the file: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
  assert.equal(liveTensors(), live, 'a refused file leaves no tensor behind');
}

/** IDX bytes: the header (type code, dims) then `body` (defaults to the bytes the shape needs). */
function idx(type: number, shape: number[], body?: Buffer): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body ?? Buffer.alloc(shape.reduce((a, b) => a * b, 1))]);
}

test('IDX: hostile headers and bodies are refused by readIdx with the file and the problem', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['truncated in the magic number', Buffer.from([0, 0, 8]), /only 3 bytes, too short for the 4-byte magic number/],
    ['wrong magic', Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), /bad magic number: the first two bytes must be 0, got 80 75/],
    ['unknown type', idx(0x0a, [1]), /unknown data type code 0x0a/],
    ['truncated header', idx(0x08, [2, 3]).subarray(0, 10), /truncated header: 2 dimensions need 12 bytes, the file has 10/],
    // 2^32-1 cubed: the product is beyond 2^53, so no byte count is exact; it must be refused, not multiplied on
    ['dims product overflow', idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff], Buffer.alloc(4)), /claims more data than any file can hold/],
    [
      'header claims more data',
      idx(0x0d, [1000, 1000], Buffer.alloc(16)),
      /truncated: shape \[1000, 1000\] of float32 needs 4000012 bytes, the file has 28/,
    ],
    ['trailing bytes', idx(0x08, [2], Buffer.alloc(3)), /trailing bytes: shape \[2\] of uint8 needs 10 bytes, the file has 11/],
    ['corrupt gzip', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef]), /corrupt gzip data/],
    ['gzip cut short', gzipSync(idx(0x08, [64, 64])).subarray(0, 30), /corrupt gzip data/],
  ];
  for (const [what, bytes, pattern] of cases) {
    const path = file(bytes, 'idx');
    refuses(() => data.readIdx(path), path, /^data\.readIdx: IDX file /, pattern);
    assert.ok(what);
  }
  // a zero dimension with huge others is an empty tensor, read as such
  torch.tidy(() => {
    const empty = data.readIdx(file(idx(0x08, [0, 0xffffffff]), 'idx'));
    assert.deepEqual([...empty.shape], [0, 0xffffffff]);
    assert.equal(empty.numel(), 0);
  });
});

test('IDX: a gzip bomb is refused once it unpacks past what its header claims', () => {
  // 2 bytes claimed, 64 MB of zeros packed into about 64 KB: unpacking stops after the claimed size
  const bomb = gzipSync(Buffer.concat([idx(0x08, [2], Buffer.alloc(2)), Buffer.alloc(64 << 20)]));
  assert.ok(bomb.length < 1 << 17);
  const path = file(bomb, 'idx.gz');
  refuses(() => data.readIdx(path), path, /trailing bytes: shape \[2\] of uint8 needs 10 bytes, the unpacked data has more/);
  // a header claiming more than one buffer can hold is refused before unpacking anything
  const huge = file(gzipSync(idx(0x0e, [0x10000, 0x10000], Buffer.alloc(8))), 'idx.gz');
  refuses(() => data.readIdx(huge), huge, /shape \[65536, 65536\] of float64 needs 34359738380 bytes, more than can be unpacked at once/);
});

test('IDX: a gzipped file whose content is fine reads as the plain one', () => {
  torch.tidy(() => {
    const body = Buffer.from([1, 2, 3, 4, 5, 6]);
    const t = data.readIdx(file(gzipSync(idx(0x08, [2, 3], body)), 'idx.gz'));
    assert.deepEqual(t.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
});

test('CSV: malformed files are refused by readCsv with the file, row, line and column', () => {
  const cases: [string, string, RegExp][] = [
    ['empty file', '', /the file is empty/],
    ['blank lines only', '\n\n\n', /the file is empty/],
    ['header only', 'a,b,c\n', /a header row but no data rows/],
    ['ragged row', 'a,b\n1,2\n3,4,5\n6,7\n', /Invalid Record Length: expect 2, got 3 on line 3/],
    ['short row', 'a,b\n1,2\n3\n', /Invalid Record Length: expect 2, got 1 on line 3/],
    ['quote never closed', 'a,b\n1,"2\n3,4\n', /Quote Not Closed/],
    [
      'numeric column with text',
      'a,b\n1,x\n2,y\nthree,z\n4,x\n',
      /column 'a' mixes numbers \(row 1 \(line 2\), column 'a': '1'\) and text \(row 3 \(line 4\), column 'a': "three"\)/,
    ],
    [
      'number out of float range',
      `a,b\n1,x\n${'9'.repeat(400)},y\n`,
      /column 'a' mixes numbers .* and a number out of float range \(row 2 \(line 3\)/,
    ],
    ['duplicate column names', 'a,b,a\n1,2,3\n', /duplicate column name 'a' \(columns 1 and 3\)/],
    ['unnamed column', 'a,,c\n1,2,3\n', /column 2 of the header has no name/],
    ['missing value', 'a,b\n1,2\n3,NA\n', /missing value "NA" at row 2 \(line 3\), column 'b'/],
  ];
  for (const [what, text, pattern] of cases) {
    const path = file(text, 'csv');
    refuses(() => data.readCsv(path), path, /^data\.readCsv: CSV file /, pattern);
    assert.ok(what);
  }
  // the line of a row after a quoted field spanning lines is the file's line, not the record's index
  const path = file('a,b\n"x\ny",1\nz,oops\n', 'csv');
  refuses(() => data.readCsv(path), path, /column 'b' mixes numbers \(row 1 \(line 3\), column 'b': '1'\) and text \(row 2 \(line 4\)/);
});

test('CSV: a byte-order mark, a huge field, hex and Infinity are read for what they are', () => {
  torch.tidy(() => {
    // a BOM is not part of the first column's name
    const bom = data.readCsv(file('\uFEFFage,city\n30,Paris\n40,Oslo\n', 'csv'), { target: 'age' });
    assert.deepEqual(bom.catNames, ['city']);
    assert.deepEqual(bom.y!.toArray(), [30, 40]);
    // a 2 MB field is one category, intact
    const big = 'x'.repeat(2 << 20);
    const t = data.readCsv(file(`id,text\n1,${big}\n2,short\n`, 'csv'));
    assert.deepEqual(t.catNames, ['text']);
    assert.deepEqual(
      t.categories.text!.map((v) => v.length),
      ['short'.length, big.length],
    );
    assert.equal(t.categories.text![1], big);
    // '0x10' and 'Infinity' are not decimal numbers: a column of them is categorical, not 16 and Infinity
    const odd = data.readCsv(file('a,b\n0x10,Infinity\n0x20,-Infinity\n', 'csv'));
    assert.deepEqual(odd.catNames, ['a', 'b']);
    assert.deepEqual(odd.contNames, []);
  });
});

test('CSV: columns named __proto__, constructor and toString stay data', () => {
  torch.tidy(() => {
    const text = '__proto__,constructor,toString,y\nred,a,1,0\nblue,b,2,1\nred,a,3,0\nblue,b,4,1\nred,b,5,1\n';
    const t = data.readCsv(file(text, 'csv'), { target: 'y', targetType: 'category' });
    assert.deepEqual(t.catNames, ['__proto__', 'constructor']);
    assert.deepEqual(t.contNames, ['toString']);
    assert.equal(Object.getPrototypeOf(t.categories), Object.prototype, 'the prototype of categories is untouched');
    assert.ok(Object.hasOwn(t.categories, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(t.categories, '__proto__')!.value, ['blue', 'red']);
    assert.deepEqual(t.categories.constructor, ['a', 'b']);
    assert.deepEqual(t.xCat.toArray(), [
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    assert.equal(({} as Record<string, unknown>).blue, undefined, 'Object.prototype is untouched');
  });
});

test('TabularDataLoaders.fromCsv and testDl: hostile files name the function, the file and the place', () => {
  const train = file('__proto__,constructor,x,y\nred,a,1,no\nblue,b,2,yes\nred,a,3,no\nblue,b,4,yes\nred,b,5,yes\n', 'csv');
  const dls = tabular.TabularDataLoaders.fromCsv(train, {
    yNames: 'y',
    catNames: ['__proto__', 'constructor'],
    contNames: ['x'],
    validPct: 0.4,
    seed: 1,
    log: false,
  });
  const prep = dls.preprocessing as data.TabularPreprocessing;
  torch.dispose([(dls.train.dataset as data.TensorDataset).tensors, (dls.valid.dataset as data.TensorDataset).tensors]);
  assert.deepEqual(prep.catNames, ['__proto__', 'constructor']);
  const classes = prep.procs.find((p) => p.name === 'Categorify')!.classes as Record<string, string[]>;
  assert.equal(Object.getPrototypeOf(classes), Object.prototype, 'the prototype of the categories is untouched');
  assert.ok(Object.hasOwn(classes, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(classes, '__proto__')!.value, ['#na#', 'blue', 'red']);
  assert.deepEqual(prep.vocab, ['no', 'yes']);
  const norm = prep.procs.find((p) => p.name === 'Normalize') as unknown as { means: Record<string, number>; stds: Record<string, number> };
  // a round trip through JSON (as export writes it) keeps __proto__ a plain key
  const loaded = tabular.TabularDataLoaders.fromPreprocessing(JSON.parse(JSON.stringify(prep)) as data.TabularPreprocessing);
  torch.tidy(() => {
    const [xCat, xCont] = (loaded.testDl(file('x,constructor,__proto__\n1,b,red\n2,zzz,blue\n', 'csv')).dataset as data.TensorDataset).tensors;
    // codes: the index in '#na#' then the training categories, 0 for unknown; x normalized with the training split's statistics
    assert.deepEqual(xCat!.toArray(), [
      [2, 2],
      [1, 0],
    ]);
    assert.ok(Math.abs(xCont!.select(0, 0).select(0, 0).item() - (1 - norm.means.x!) / norm.stds.x!) < 1e-6);
  });
  assert.equal(({} as Record<string, unknown>).blue, undefined, 'Object.prototype is untouched');
  const testDl = /^TabularDataLoaders\.testDl: CSV file /;
  const bad: [string, RegExp, RegExp][] = [
    ['', testDl, /the file is empty/],
    ['x,constructor\n1,a\n', testDl, /has no column '__proto__' \(a categorical column\); its columns: x, constructor/],
    ['x,constructor,__proto__\n1,a,red\nabc,a,red\n', testDl, /the continuous column 'x' holds text at row 2 \(line 3\): "abc"/],
    ['x,constructor,__proto__\n', testDl, /has a header but no rows/],
    // a missing value where the training rows had none: FillMissing has nothing to fill it with
    ['x,constructor,__proto__\n1,a,red\n,a,red\n', testDl, /column 'x' has a missing value at row 2 \(line 3\) but none in the training rows/],
    ['x,constructor,__proto__,x\n1,a,red,2\n', testDl, /duplicate column name 'x' \(columns 1 and 4\)/],
    ['x,constructor,__proto__\n1,a,"red\n', testDl, /Quote Not Closed/],
    ['x,constructor,__proto__\n1,a\n', testDl, /Invalid Record Length: expect 3, got 2 on line 2/],
    // with the target present the rows are labelled (for validate): a class never trained on, or none, is refused
    [
      'x,constructor,__proto__,y\n1,a,red,no\n2,a,red,maybe\n',
      testDl,
      /the target 'y' is "maybe" at row 2 \(line 3\), a class the training rows do not have/,
    ],
    ['x,constructor,__proto__,y\n1,a,red,no\n2,a,red,\n', testDl, /the target 'y' is missing at row 2 \(line 3\)/],
  ];
  for (const [text, prefix, pattern] of bad) {
    const path = file(text, 'csv');
    refuses(() => loaded.testDl(path), path, prefix, pattern);
  }
  const fromCsv = /^tabular\.TabularDataLoaders\.fromCsv: CSV file /;
  const trainBad: [string, tabular.TabularDataLoadersOptions, RegExp][] = [
    ['a,y\n1,no\n2,yes\nthree,no\n', {}, /column 'a' mixes numbers \(row 1 \(line 2\): "1"\) and text \(row 3 \(line 4\): "three"\)/],
    ['a,y\n1,no\n', { validIdx: [0] }, /the split leaves no training rows \(1 rows in all\)/],
    ['a,a,y\n1,2,no\n', {}, /duplicate column name 'a'/],
    ['a,b\n1,2\n3,4\n', {}, /has no column 'y' \(options\.yNames\); its columns: a, b/],
    ['a,y\n1,no\n2,\n3,no\n', {}, /the target 'y' is missing at row 2 \(line 3\)/],
    ['a,b,y\nx,1,no\ny,abc,yes\nz,2,no\n', { catNames: ['a'], contNames: ['b'] }, /the continuous column 'b' holds text at row 2 \(line 3\): "abc"/],
  ];
  for (const [text, options, pattern] of trainBad) {
    const path = file(text, 'csv');
    refuses(() => tabular.TabularDataLoaders.fromCsv(path, { yNames: 'y', log: false, ...options }), path, fromCsv, pattern);
  }
  refuses(() => tabular.TabularDataLoaders.fromCsv(join(dir, 'none.csv'), { yNames: 'y' }), join(dir, 'none.csv'), /cannot read it/);
});

test('a corrupt tabular preprocessing is refused before a prediction file is read', () => {
  const path = file('x\n1\n', 'csv');
  const base = (): data.TabularPreprocessing => ({
    kind: 'tabular',
    catNames: [],
    contNames: ['x'],
    yNames: ['y'],
    yBlock: 'regression',
    procs: [{ name: 'Normalize', means: { x: 0 }, stds: { x: 1 } }],
    vocab: null,
    withCont: true,
  });
  const fn = /^tabular\.TabularDataLoaders\.fromPreprocessing: /;
  const corrupt: [(p: data.TabularPreprocessing) => unknown, RegExp][] = [
    [
      (p) => ({ ...p, procs: [{ name: 'Normalize', means: { x: 0 }, stds: { x: '1' } }] }),
      /expected a finite number for preprocessing\.procs\[0\]\.stds\.x, got "1"/,
    ],
    [
      (p) => ({ ...p, procs: [{ name: 'Normalize', means: [0], stds: { x: 1 } }] }),
      /expected an object keyed by column for preprocessing\.procs\[0\]\.means, got \[0\]/,
    ],
    [(p) => ({ ...p, procs: [{ name: 'Scale' }] }), /expected a proc state .* for preprocessing\.procs\[0\]/],
    [
      (p) => ({ ...p, procs: [{ name: 'Categorify', classes: { x: ['#na#', 1] } }] }),
      /expected an array of category names for preprocessing\.procs\[0\]\.classes\.x/,
    ],
    [(p) => ({ ...p, procs: undefined }), /has no procs \(written by an older Flint\); train and export again/],
    [(p) => ({ ...p, contNames: 'x' }), /expected an array of column names for preprocessing\.contNames, got "x"/],
    [(p) => ({ ...p, yBlock: 'x' }), /expected one of 'category', 'regression', 'multiCategory' for preprocessing\.yBlock, got "x"/],
    [(p) => ({ ...p, kind: 'image' }), /expected a tabular preprocessing/],
  ];
  for (const [make, pattern] of corrupt) {
    assert.throws(
      () => tabular.TabularDataLoaders.fromPreprocessing(make(base()) as data.TabularPreprocessing),
      (e: unknown) => e instanceof FlintError && fn.test(e.message) && pattern.test(e.message),
    );
  }
  // categorical columns without Categorify's categories are refused when rows are encoded
  const noCats = tabular.TabularDataLoaders.fromPreprocessing({ ...base(), catNames: ['x'], contNames: [], procs: [] });
  assert.throws(() => noCats.testDl(path), /TabularDataLoaders\.testDl: the categorical columns x need Categorify in procs/);
  const [xCat, xCont]: Tensor[] = (tabular.TabularDataLoaders.fromPreprocessing(base()).testDl(path).dataset as data.TensorDataset).tensors;
  assert.deepEqual(xCat!.shape, [1, 0]);
  assert.deepEqual(xCont!.toArray(), [[1]]);
  torch.dispose([xCat!, xCont!]);
});
