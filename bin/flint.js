#!/usr/bin/env node
// The `flint` command (src/cli): demo, train, lr-find, predict, launch; `flint --help` lists them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// A fresh checkout has no build yet: set up first (the same step `npm run demo` runs).
if (!existsSync(`${root}dist/src/cli/main.js`) || !existsSync(`${root}build/flint.node`)) {
  execFileSync(process.execPath, [`${root}scripts/setup.mjs`], { stdio: 'inherit' });
}
const { main } = await import('../dist/src/cli/main.js');
await main(process.argv.slice(2));
