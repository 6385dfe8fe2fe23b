// The systematic misuse check (test/misuse/): each area's cases run in a child process, so a crash or a hang
// fails the test with the call that caused it instead of killing the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Failure } from './misuse/harness.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'misuse');
const runner = join(dir, 'run.js');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.cases.js'))
  .sort();

for (const f of files) {
  test(`misuse: ${f.replace('.cases.js', '')}`, { timeout: 600_000 }, () => {
    const r = spawnSync(process.execPath, [runner, join(dir, f)], { encoding: 'utf8', timeout: 480_000, maxBuffer: 256 << 20 });
    const lastCall = r.stderr.trimEnd().split('\n').slice(-3).join('\n');
    assert.ok(
      !r.error && r.signal === null && r.status === 0,
      `the runner died (status ${r.status}, signal ${r.signal}${r.error ? `, ${r.error.message}` : ''}); its last lines:\n${lastCall}`,
    );
    const report = JSON.parse(r.stdout.trimEnd().split('\n').pop()!) as { calls: number; failures: Failure[] };
    assert.ok(report.calls > 0, 'no calls were made');
    const lines = report.failures.map((x) => `${x.case} arg ${x.arg} = ${x.value}: ${x.problem}`);
    assert.equal(lines.length, 0, `${lines.length} of ${report.calls} calls misbehaved:\n${lines.slice(0, 60).join('\n')}`);
  });
}
