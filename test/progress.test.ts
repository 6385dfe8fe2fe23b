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
import { formatTime, tableHeader, tableRow } from '../src/progress/format.js';

const script = fileURLToPath(new URL('../../test/fixtures/progress-fit.mjs', import.meta.url));
const HEADER = 'epoch     train_loss  valid_loss  accuracy  time';
const ROW = /^[01] {9}\d\.\d{6} {4}\d\.\d{6} {4}\d\.\d{6}  \d\d:\d\d$/;

/** What a terminal shows for a byte stream: \r returns to the line start, later text overwrites. */
function screen(raw: string): string[] {
  const lines: string[] = [];
  let cur = '';
  let col = 0;
  for (const ch of raw.replace(/\r\n/g, '\n')) {
    if (ch === '\n') { lines.push(cur.trimEnd()); cur = ''; col = 0; } else if (ch === '\r') { col = 0; } else {
      cur = cur.slice(0, col) + ch + cur.slice(col + 1);
      col++;
    }
  }
  if (cur.trim()) lines.push(cur.trimEnd());
  return lines;
}

test('in a terminal: bars redrawn in place with the smoothed loss, cleared before each table row', () => {
  const r = spawnSync('script', ['-q', '-e', '-c', `${process.execPath} ${script}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
  assert.equal(r.status, 0, r.stderr);
  const raw = r.stdout;
  const bars = raw.split('\r').filter((s) => s.startsWith('|'));
  assert.ok(bars.length >= 10, `${bars.length} bar redraws`);
  assert.ok(bars.some((b) => /^\|█+-*\| \d+\.\d\d% \[\d+\/16 \d\d:\d\d<\d\d:\d\d \d\.\d{4}\]/.test(b)), 'training bar with the smoothed loss');
  assert.ok(bars.some((b) => /^\|█+-*\| \d+\.\d\d% \[\d+\/4 \d\d:\d\d<\d\d:\d\d\]/.test(b)), 'validation bar');
  assert.ok(bars.some((b) => b.includes('100.00% [16/16')), 'the bar is drawn at the end of the phase');
  assert.deepEqual(screen(raw).filter(Boolean).map((l) => (ROW.test(l) ? 'row' : l)), [HEADER, 'row', 'row'],
    'what stays on screen is the table');
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
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], HEADER);
  assert.equal(lines.length, 3);
  assert.ok(lines.slice(1).every((l) => ROW.test(l)), lines.join('\n'));
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
  const bar = new ProgressBar({ write: (s: string) => { writes.push(s); }, columns: 100 }, 8, () => clock);
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
