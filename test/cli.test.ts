// The `flint` command line: parsing (through the real program with recording actions), errors and help, then
// train -> predict end to end on a CSV file, in child processes, against the export loaded in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type data, loadLearner, type tabular, torch, type Tensor } from '../src/index.js';
import { parse } from './cli-parse.js';
import { writeTableCsv } from './tables.js';

test('flint train / lr-find / demo / predict parse their options', async () => {
  const t = await parse([
    'train',
    '--csv',
    'a.csv',
    '--target',
    'y',
    '--task',
    'regression',
    '--categorical',
    'zip, state',
    '--ignore',
    'id',
    '--valid-pct',
    '0.25',
    '--size',
    'large',
    '--epochs',
    '3',
    '--lr',
    '2e-3',
    '--lr-find',
    '--batch-size',
    '32',
    '--mixed-precision',
    '--device',
    'cpu',
    '--out',
    'run',
  ]);
  assert.deepEqual(t.calls, [
    [
      'train',
      {
        csv: 'a.csv',
        target: 'y',
        task: 'regression',
        categorical: ['zip', 'state'],
        ignore: ['id'],
        validPct: 0.25,
        size: 'large',
        epochs: 3,
        lr: 2e-3,
        lrFind: true,
        mixedPrecision: true,
        batchSize: 32,
        device: 'cpu',
        runDir: 'run',
      },
    ],
  ]);
  const d = await parse(['demo']);
  assert.deepEqual(d.calls, [
    [
      'demo',
      {
        csv: undefined,
        target: undefined,
        task: undefined,
        categorical: undefined,
        ignore: undefined,
        validPct: undefined,
        size: undefined,
        epochs: 5,
        lr: undefined,
        lrFind: false,
        mixedPrecision: undefined,
        batchSize: undefined,
        device: undefined,
        runDir: undefined,
      },
    ],
  ]);
  const l = await parse(['lr-find', '--csv', 'a.csv', '--target', 'y']);
  assert.equal((l.calls[0]![1] as { size: string }).size, 'medium');
  const p = await parse(['predict', 'm/export.safetensors', 'new.csv', '--out', 'p.csv']);
  assert.deepEqual(p.calls, [['predict', 'm/export.safetensors', 'new.csv', { batchSize: 256, device: 'cpu', out: 'p.csv' }]]);
});

test('flint: bad values and unknown options are named; every command has --help', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--epochs', '2.5'], /option '--epochs <n>' argument '2.5' is invalid. must be a positive integer, got '2.5'/],
    [['train', '--lr=-1'], /option '--lr <lr>' argument '-1' is invalid. must be a positive number, got '-1'/],
    [['train', '--device', 'tpu'], /argument 'tpu' is invalid. must be cpu or cuda, got 'tpu'/],
    [['train', '--size', 'huge'], /argument 'huge' is invalid. Allowed choices are small, medium, large/],
    [['train', '--valid-pct', '1.5'], /must be a number between 0 and 1, got '1.5'/],
    [['demo', '--epoch', '2'], /unknown option '--epoch'/],
    [['predict', 'only-one'], /missing required argument 'input'/],
    [['fly'], /unknown command 'fly'/],
  ];
  for (const [argv, want] of cases) {
    const r = await parse(argv);
    assert.ok(r.error, `${argv.join(' ')} fails`);
    assert.match(r.err, want, argv.join(' '));
    assert.equal(r.calls.length, 0);
  }
  for (const cmd of ['demo', 'train', 'lr-find', 'predict']) {
    const r = await parse([cmd, '--help']);
    assert.match(r.out, new RegExp(`^Usage: flint ${cmd} `), cmd);
  }
  assert.match(
    (await parse(['train', '--help'])).out,
    /--csv <file>[\s\S]*--target <column>[\s\S]*--size <size>[\s\S]*--epochs <n>[\s\S]*--out <dir>/,
  );
});

const bin = new URL('../../bin/flint.js', import.meta.url).pathname;

test('flint train on a CSV file, then flint predict with its export, in fresh processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-'));
  const csv = join(dir, 'people.csv');
  writeTableCsv(csv, 400);
  writeFileSync(join(dir, 'new.csv'), 'color,age,score,id\nred,30,0.1,a\nred,70,0.1,b\npurple,70,0.2,c\nblue,20,0,d\n');
  const run = join(dir, 'run');
  const log = execFileSync(
    process.execPath,
    [bin, 'train', '--csv', csv, '--target', 'label', '--ignore', 'price,id', '--epochs', '4', '--size', 'small', '--out', run],
    { encoding: 'utf8' },
  );
  // the choices made for the user are said first, in the command line's terms
  assert.match(
    log,
    /^columns: categorical \[color\], continuous \[age, score\] \(text, booleans and integers with at most 20 values are categorical, other numbers continuous; --categorical and --ignore change this\)\ntask classification \(guessed\): the target 'label' holds text, so this is a classification\n/,
  );
  assert.match(
    log,
    /^Flint train: tabular model \([\d,]+ parameters\) on .*people\.csv: 'label', classification into 2 classes, from 1 categorical and 2 continuous columns \(320 training, 80 validation rows\)/m,
  );
  assert.match(log, /export \(for flint predict\): .*export\.safetensors/);
  const out = execFileSync(process.execPath, [bin, 'predict', join(run, 'export.safetensors'), join(dir, 'new.csv')], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  assert.equal(lines[0], 'row,prediction,probability');
  // the same export loaded here gives the same predictions
  const learn = loadLearner(join(run, 'export.safetensors'));
  const dls = learn.dls as tabular.TabularDataLoaders;
  const prep = dls.preprocessing as data.TabularPreprocessing;
  // the new rows encoded by the export's procs: category codes and continuous values ('id' is not a feature)
  const [xCat, xCont] = (dls.testDl(join(dir, 'new.csv')).dataset as data.TensorDataset).tensors as [Tensor, Tensor];
  assert.deepEqual(xCat.shape, [4, 1]);
  assert.deepEqual(xCont.shape, [4, 2]);
  assert.equal((xCat.toArray() as number[][])[2]![0], 0, "'purple', a color unseen in training, is the unknown code 0");
  learn.model.eval();
  const probs = torch.tidy(() => learn.model.call(xCat, xCont).softmax(-1));
  const want = (probs.toArray() as number[][]).map((p, i) => {
    const c = p[1]! > p[0]! ? 1 : 0;
    return `${i + 1},${prep.vocab![c]},${p[c]!.toFixed(6)}`;
  });
  assert.deepEqual(lines.slice(1), want);
  // written atomically to a file with --out; a missing column is an error naming it
  execFileSync(process.execPath, [bin, 'predict', join(run, 'export.safetensors'), join(dir, 'new.csv'), '--out', join(dir, 'p.csv')]);
  assert.equal(readFileSync(join(dir, 'p.csv'), 'utf8'), out);
  writeFileSync(join(dir, 'bad.csv'), 'color,age\nred,3\n');
  const bad = spawnSync(process.execPath, [bin, 'predict', join(run, 'export.safetensors'), join(dir, 'bad.csv')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr,
    /flint: TabularDataLoaders\.testDl: CSV file .*bad\.csv has no column 'score' \(a continuous column\); its columns: color, age/,
  );
  torch.dispose([xCat, xCont, probs]);
});

test('flint lr-find prints the four suggestions and writes its chart; train --mixed-precision trains in bfloat16', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-'));
  const csv = join(dir, 'people.csv');
  writeTableCsv(csv, 400);
  const out = execFileSync(process.execPath, [bin, 'lr-find', '--csv', csv, '--target', 'label', '--ignore', 'price,id', '--out', join(dir, 'lr')], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  // the choices made for the user (the columns, the target's kind) come first, then the header line
  assert.match(out[0]!, /^columns: categorical \[color\], continuous \[age, score\] /);
  const head = out.findIndex((l) => l.startsWith('Flint lr-find: '));
  assert.match(out[head]!, /^Flint lr-find: tabular model/);
  const names = out.slice(head + 1, head + 5).map((l) => /^(\w+)\s+(\S+)$/.exec(l)!);
  assert.deepEqual(
    names.map((m) => m[1]),
    ['valley', 'slide', 'minimum', 'steep'],
  );
  for (const m of names) assert.ok(Number(m[2]) > 1e-7 && Number(m[2]) < 10, `${m[1]} ${m[2]}`);
  assert.ok(existsSync(join(dir, 'lr', 'lr_find.svg')) && existsSync(join(dir, 'lr', 'lr_find.png')));
  const log = execFileSync(
    process.execPath,
    [
      bin,
      'train',
      '--csv',
      csv,
      '--target',
      'price',
      '--ignore',
      'label,id',
      '--task',
      'regression',
      '--epochs',
      '2',
      '--mixed-precision',
      '--out',
      join(dir, 'mp'),
    ],
    { encoding: 'utf8' },
  );
  assert.match(log, /'price', regression, .* fitOneCycle\(2, 0\.01\) with Adam, mixed precision, cpu/);
  assert.match(log, /^epoch\s+train_loss\s+valid_loss\s+rmse\s+time$/m);
  const rows = log.split('\n').filter((l) => /^\d\s/.test(l));
  assert.equal(rows.length, 2);
  assert.ok(
    rows.every((r) =>
      r
        .split(/\s+/)
        .slice(1, 4)
        .every((v) => Number.isFinite(Number(v))),
    ),
    rows.join('\n'),
  );
});

test('flint train: an --out that cannot be made fails at once, before training; a small CSV gets a batch size that fits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-'));
  const csv = join(dir, 'small.csv');
  writeTableCsv(csv, 48);
  const args = ['train', '--csv', csv, '--target', 'label', '--ignore', 'price,id', '--epochs', '1', '--size', 'small'];
  // Node's recursive mkdir spins for ever on /proc/x; the run folder is checked before anything is trained
  const proc = spawnSync(process.execPath, [bin, ...args, '--out', '/proc/x/run'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(proc.status, 1, proc.stderr);
  assert.match(proc.stderr, /^flint: train --out: cannot create the folder \/proc\/x\/run: /);
  assert.equal(proc.stdout, '', 'nothing was trained');
  // 48 rows leave 39 for training (fastai's RandomSplitter holds out int(0.2 * 48) = 9), fewer than the default
  // batch of 64: the batch size is lowered and said
  const run = join(dir, 'run');
  const log = execFileSync(process.execPath, [bin, ...args, '--out', run], { encoding: 'utf8' });
  assert.match(log, /^batch size 39: the default 64 is more than the 39 training rows \(set it with --batch-size\)$/m);
  assert.equal(log.split('\n').filter((l) => /^0\s/.test(l)).length, 1, 'one epoch trained');
  assert.ok(existsSync(join(run, 'export.safetensors')));
  // a batch size asked for that leaves no batch is an error suggesting one that works
  const big = spawnSync(process.execPath, [bin, ...args, '--batch-size', '64', '--out', join(dir, 'big')], { encoding: 'utf8' });
  assert.equal(big.status, 1);
  assert.match(
    big.stderr,
    /^flint: --batch-size 64 is more than the 39 training rows, so an epoch would have no batch; use --batch-size 39 or less$/m,
  );
});

test('flint train --nproc-per-node 2: two processes under flint launch, one table, one set of files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-dist-'));
  const csv = join(dir, 'people.csv');
  writeTableCsv(csv, 400);
  const run = join(dir, 'run');
  const r = spawnSync(
    process.execPath,
    [
      bin,
      'train',
      '--csv',
      csv,
      '--target',
      'label',
      '--ignore',
      'price,id',
      '--epochs',
      '2',
      '--size',
      'small',
      '--out',
      run,
      '--nproc-per-node',
      '2',
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Flint train: tabular model .*, 2 processes$/m);
  // rank 0 alone prints: one header line, one row per epoch
  assert.equal(r.stdout.match(/^Flint train:/gm)?.length, 1);
  assert.equal(r.stdout.match(/^epoch\s+train_loss/gm)?.length, 1);
  assert.equal(r.stdout.match(/^[01]\s+\d/gm)?.length, 2);
  for (const f of ['export.safetensors', 'models/model.safetensors', 'loss.svg']) assert.ok(existsSync(join(run, f)), f);
  const learn = loadLearner(join(run, 'export.safetensors'));
  assert.equal(learn.dls.preprocessing?.vocab?.length, 2);
});
