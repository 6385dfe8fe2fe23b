#!/usr/bin/env node
// The `flint` command. `flint demo` runs the main job.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

const { positionals, values } = parseArgs({ allowPositionals: true, options: { steps: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
const [command] = positionals;
if (values.help || !command) {
  console.log('usage: flint demo [--steps N]   train the demo model and print the loss as it falls');
  process.exit(command || values.help ? 0 : 1);
}
if (command === 'demo') {
  // A fresh checkout has no build yet: set up first (the same step `npm run demo` runs).
  if (!existsSync(`${root}dist/examples/demo.js`) || !existsSync(`${root}build/flint.node`)) {
    execFileSync(process.execPath, [`${root}scripts/setup.mjs`], { stdio: 'inherit' });
  }
  const { demo } = await import('../dist/examples/demo.js');
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) {
    console.error(`flint demo: --steps must be a positive integer, got '${values.steps}'`);
    process.exit(1);
  }
  await demo({ steps });
} else {
  console.error(`flint: unknown command '${command}' (try: flint demo)`);
  process.exit(1);
}
