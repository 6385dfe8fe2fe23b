// Progress output: bars redrawn in place in a terminal (run under a pseudo-terminal with `script`), only the
// table when output goes to a file; and the bar and table formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProgressBar } from '../src/progress/bar.js';
import { Callback, Learner, callbacks, data, metrics, nn, torch } from '../src/index.js';
import { formatTime, tableHeader, tableRow } from '../src/progress/format.js';

const script = fileURLToPath(new URL('../../test/fixtures/progress-fit.mjs', import.meta.url));
const HEADER = 'epoch     train_loss  valid_loss  accuracy  time';
const ROW = /^[01] {9}\d\.\d{6} {4}\d\.\d{6} {4}\d\.\d{6} {2}\d\d:\d\d$/;

/** What a terminal shows for a byte stream: \r returns to the line start, later text overwrites. */
function screen(raw: string): string[] {
  const lines: string[] = [];
  let cur = '';
  let col = 0;
  for (const ch of raw.replace(/\r\n/g, '\n')) {
    if (ch === '\n') {
      lines.push(cur.trimEnd());
      cur = '';
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else {
      cur = cur.slice(0, col) + ch + cur.slice(col + 1);
      col++;
    }
  }
  if (cur.trim()) lines.push(cur.trimEnd());
  return lines;
}

test('in a terminal: bars redrawn in place with the smoothed loss, cleared before each table row', () => {
  const r = spawnSync('script', ['-q', '-e', '-c', `${process.execPath} ${script}`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '100' },
  });
  assert.equal(r.status, 0, r.stderr);
  const raw = r.stdout;
  const bars = raw.split('\r').filter((s) => s.startsWith('|'));
  assert.ok(bars.length >= 10, `${bars.length} bar redraws`);
  assert.ok(
    bars.some((b) => /^\|█+-*\| \d+\.\d\d% \[\d+\/16 \d\d:\d\d<\d\d:\d\d \d\.\d{4}\]/.test(b)),
    'training bar with the smoothed loss',
  );
  assert.ok(
    bars.some((b) => /^\|█+-*\| \d+\.\d\d% \[\d+\/4 \d\d:\d\d<\d\d:\d\d\]/.test(b)),
    'validation bar',
  );
  assert.ok(
    bars.some((b) => b.includes('100.00% [16/16')),
    'the bar is drawn at the end of the phase',
  );
  assert.deepEqual(
    screen(raw)
      .filter(Boolean)
      .map((l) => (ROW.test(l) ? 'row' : l)),
    [HEADER, 'row', 'row'],
    'what stays on screen is the table',
  );
});

test('not a terminal: only the table, no bars and no carriage returns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-progress-'));
  const out = join(dir, 'log.txt');
  const fd = openSync(out, 'w');
  try {
    execFileSync(process.execPath, [script], { stdio: ['ignore', fd, 'inherit'] });
  } finally {
    closeSync(fd);
  }
  const text = readFileSync(out, 'utf8');
  assert.ok(!text.includes('\r'), 'no carriage returns');
  const all = text.trimEnd().split('\n');
  // plain progress lines at each quarter of each phase (16 training batches, 4 validation ones), then the row
  const progress = all.filter((l) => /^epoch \d\/2 /.test(l));
  const lines = all.filter((l) => !progress.includes(l));
  assert.equal(lines[0], HEADER);
  assert.equal(lines.length, 3);
  assert.ok(
    lines.slice(1).every((l) => ROW.test(l)),
    lines.join('\n'),
  );
  assert.deepEqual(
    progress.map((l) => l.replace(/ \d\d:\d\d.*$/, '')),
    [1, 2].flatMap((e) => [
      `epoch ${e}/2 train 4/16 ( 25%)`,
      `epoch ${e}/2 train 8/16 ( 50%)`,
      `epoch ${e}/2 train 12/16 ( 75%)`,
      `epoch ${e}/2 train 16/16 (100%)`,
      `epoch ${e}/2 valid 1/4 ( 25%)`,
      `epoch ${e}/2 valid 2/4 ( 50%)`,
      `epoch ${e}/2 valid 3/4 ( 75%)`,
      `epoch ${e}/2 valid 4/4 (100%)`,
    ]),
  );
  assert.ok(
    progress.filter((l) => l.includes('train')).every((l) => / \d\d:\d\d loss \d\.\d{4}$/.test(l)),
    'training lines show the smoothed loss',
  );
  assert.equal(all.indexOf(progress[7]!) + 1, all.indexOf(lines[1]!), 'the epoch row follows its progress lines');
});

test('formats: times, table cells, bar text and throttling', () => {
  assert.equal(formatTime(0), '00:00');
  assert.equal(formatTime(75.4), '01:15');
  assert.equal(formatTime(3723), '1:02:03');
  const h = tableHeader(['epoch', 'train_loss', 'accuracy', 'time']);
  assert.equal(h.line, 'epoch     train_loss  accuracy  time    ');
  assert.equal(tableRow([3, 0.5, 0.25, '00:01'], h.widths), '3         0.500000    0.250000  00:01');
  const writes: string[] = [];
  let clock = 0;
  const bar = new ProgressBar(
    {
      write: (s: string) => {
        writes.push(s);
      },
      columns: 100,
    },
    8,
    () => clock,
  );
  assert.equal(bar.due(1), true);
  clock = 3000;
  bar.update(5, '0.4012');
  assert.match(writes[0]!, /^\r\|█+-+\| 62\.50% \[5\/8 00:03<00:02 0\.4012\]$/);
  clock = 3100;
  assert.equal(bar.due(6), false, 'after the first iterations, redraws wait 0.2 s');
  clock = 3250;
  assert.equal(bar.due(6), true);
  assert.equal(bar.due(8), true, 'the last iteration always draws');
  bar.clear();
  assert.match(writes[1]!, /^\r {100}\r$/);
});

function tinyLearner(cbs: Callback[] = []): Learner {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([64, 4]), torch.randint(0, 2, [64]), torch.randn([16, 4]), torch.randint(0, 2, [16]), {
    batchSize: 4,
  });
  const learn = new Learner(dls, new nn.Linear(4, 2), { lossFunc: new nn.CrossEntropyLoss(), metrics: [metrics.accuracy()] });
  learn.removeCb(callbacks.ProgressCallback); // the default one writes to stdout
  learn.addCbs(cbs);
  return learn;
}
/** A stream that records what is written, as a terminal or not. */
const recorder = (isTTY: boolean) => {
  const out: string[] = [];
  return {
    out,
    stream: {
      isTTY,
      columns: 100,
      write: (s: string) => {
        out.push(s);
        return true;
      },
    },
  };
};

test('not a terminal: a plain line at least every plainEvery seconds besides the quarters (a clock injected)', async () => {
  const { out, stream } = recorder(false);
  let clock = 0;
  // 16 training batches, 10 s each: lines at the 30 s marks (batches 3, 6, 9 ... ) and at the quarters (4, 8, 12, 16)
  const tick = new Callback({
    afterBatch: () => {
      clock += 10_000;
    },
  });
  tick.order = 40;
  const learn = tinyLearner([tick, new callbacks.ProgressCallback(stream, { now: () => clock })]);
  await learn.fit(1);
  const train = out
    .join('')
    .split('\n')
    .filter((l) => l.includes(' train '));
  assert.deepEqual(
    train.map((l) => l.split(' ')[3]),
    ['3/16', '4/16', '7/16', '8/16', '11/16', '12/16', '15/16', '16/16'],
  );
  assert.match(train[0]!, /^epoch 1\/1 train 3\/16 \( 19%\) 00:30 loss \d\.\d{4}$/);
});

test('learn.logs.write during a bar: the text stays on its own line above the bar, which is redrawn', async () => {
  const { out, stream } = recorder(true);
  const say = new Callback({
    afterBatch: (l) => {
      if (l.training && l.iter === 5) l.logs.write(`note at batch ${l.iter}`);
    },
  });
  say.order = 70; // after the progress callback drew this batch
  const learn = tinyLearner([new callbacks.ProgressCallback(stream), say]);
  await learn.fit(1);
  const raw = out.join('');
  const i = raw.indexOf('note at batch 5');
  assert.ok(i > 0);
  // the bar was cleared just before, and redrawn just after
  assert.match(raw.slice(0, i), /\r {100}\r$/);
  assert.match(raw.slice(i), /^note at batch 5\n\r\|█+-*\| /);
  assert.ok(screen(raw).includes('note at batch 5'), 'on screen, on its own line');
  // without a console output, it is printed as it is
  const logged: string[] = [];
  const orig = console.log;
  console.log = (s: string) => {
    logged.push(s);
  };
  try {
    tinyLearner().logs.write('plain');
  } finally {
    console.log = orig;
  }
  assert.deepEqual(logged, ['plain']);
});

/** console.log's lines during fn. */
async function consoleLines(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => {
    lines.push(String(s));
  };
  try {
    await fn();
  } finally {
    console.log = orig;
  }
  return lines;
}

test('noBar after a fit with CSVLogger: the header and rows formatted as the table (the logger chain bug)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-progress-csv-'));
  const learn = tinyLearner();
  (learn as { path: string }).path = dir;
  learn.addCb(new callbacks.ProgressCallback(recorder(false).stream));
  await learn.fit(1, undefined, { cbs: [new callbacks.CSVLogger()] });
  const lines = await consoleLines(() => learn.noBar(() => learn.fit(2)));
  assert.equal(lines[0], 'epoch     train_loss  valid_loss  accuracy  time');
  assert.equal(lines.length, 3);
  assert.ok(
    lines.slice(1).every((l) => /^\d {9}\d\.\d{6} {4}\d\.\d{6} {4}\d\.\d{6} {2}\d\d:\d\d$/.test(l)),
    lines.join('\n'),
  );
  // the CSV file has the first fit's header and row only
  assert.equal(readFileSync(join(dir, 'history.csv'), 'utf8').trimEnd().split('\n').length, 2);
});

test('noLogging silences the console rows; a CSVLogger still writes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-progress-quiet-'));
  const learn = tinyLearner();
  (learn as { path: string }).path = dir;
  const lines = await consoleLines(() => learn.noLogging(() => learn.fit(2, undefined, { cbs: [new callbacks.CSVLogger('h.csv')] })));
  assert.deepEqual(lines, []);
  const csv = readFileSync(join(dir, 'h.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(csv[0], 'epoch,train_loss,valid_loss,accuracy,time');
  assert.equal(csv.length, 3);
});

test('a value wider than its column widens the column for the rows after it', () => {
  const h = tableHeader(['epoch', 'loss', 'time']);
  assert.equal(tableRow([0, 0.5, '00:01'], h.widths), '0         0.500000  00:01');
  assert.equal(tableRow([1, 123456.5, '00:01'], h.widths), '1         123456.500000  00:01');
  assert.equal(tableRow([2, 0.25, '00:01'], h.widths), '2         0.250000       00:01');
});
