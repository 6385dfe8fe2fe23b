// Runs one *.cases.js file of the misuse check and prints a JSON report as its last stdout line. Started as a
// child process by misuse.test.ts; it does nothing without an argument (node --test also loads it).
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { runCase, type Case, type Failure } from './harness.js';

const file = process.argv[2];
if (file) {
  const path = resolve(file);
  // hostile relative paths ('abc') land in a scratch folder, never in the folder the tests run from
  const scratch = mkdtempSync(join(tmpdir(), 'flint-misuse-cwd-'));
  process.chdir(scratch);
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const mod = (await import(pathToFileURL(path).href)) as { cases: Case[] };
  const only = process.argv[3];
  const failures: Failure[] = [];
  let calls = 0;
  // the call about to run goes to stderr first (unbuffered), so a crash or a hang names it
  const progress = (text: string): void => {
    writeSync(2, `${text}\n`);
  };
  for (const c of mod.cases) {
    if (only && c.name !== only) continue;
    const r = await runCase(c, progress);
    failures.push(...r.failures);
    calls += r.calls;
  }
  writeSync(1, `\n${JSON.stringify({ cases: mod.cases.map((c) => c.name), calls, failures })}\n`);
  process.exit(0);
}
