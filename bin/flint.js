#!/usr/bin/env node
// The `flint` command. `flint demo` runs the main job.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const usage = 'usage: flint demo [--epochs N] [--device cpu|cuda]   train a CNN on Fashion-MNIST, printing loss and accuracy';

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { epochs: { type: 'string' }, device: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
} catch (e) {
  console.error(`flint: ${e.message}\n${usage}`);
  process.exit(1);
}
const { positionals, values } = parsed;
const [command] = positionals;
if (values.help || !command) {
  console.log(usage);
  process.exit(command || values.help ? 0 : 1);
}
if (command === 'demo') {
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) {
    console.error(`flint demo: --epochs must be a positive integer, got '${values.epochs}'`);
    process.exit(1);
  }
  // A fresh checkout has no build yet: set up first (the same step `npm run demo` runs).
  if (!existsSync(`${root}dist/examples/demo.js`) || !existsSync(`${root}build/flint.node`)) {
    execFileSync(process.execPath, [`${root}scripts/setup.mjs`], { stdio: 'inherit' });
  }
  const { demo } = await import('../dist/examples/demo.js');
  await demo({ epochs, device: values.device });
} else {
  console.error(`flint: unknown command '${command}'\n${usage}`);
  process.exit(1);
}
