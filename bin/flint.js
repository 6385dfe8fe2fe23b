#!/usr/bin/env node
// The `flint` command. `flint demo` runs the main job.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const usage = `usage: flint <command> [options]
  demo    train a CNN on Fashion-MNIST with one-cycle (flint demo --help for its options)`;

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h') {
  console.log(usage);
  process.exit(command === undefined ? 1 : 0);
}
if (command === 'demo') {
  // A fresh checkout has no build yet: set up first (the same step `npm run demo` runs).
  if (!existsSync(`${root}dist/examples/demo.js`) || !existsSync(`${root}build/flint.node`)) {
    execFileSync(process.execPath, [`${root}scripts/setup.mjs`], { stdio: 'inherit' });
  }
  const { demoMain } = await import('../dist/examples/demo.js');
  await demoMain(rest);
} else {
  console.error(`flint: unknown command '${command}'\n${usage}`);
  process.exit(1);
}
