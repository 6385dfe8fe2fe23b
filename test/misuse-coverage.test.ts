// The misuse check must cover the whole public surface: every function and class exported by each namespace,
// and every method of the classes users call most. A name counts as covered when some *.cases file has a case
// for it (or for the same function under another exported name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import * as flint from '../src/index.js';
import type { Case } from './misuse/harness.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'misuse');

const namespaces: Record<string, object> = {
  '': flint,
  torch: flint.torch,
  'torch.functional': flint.torch.functional,
  'torch.distributions': flint.torch.distributions,
  'torch.safetensors': flint.torch.safetensors,
  'torch.distributed': flint.torch.distributed,
  'torch.autograd': flint.torch.autograd,
  'torch.cuda': flint.torch.cuda,
  nn: flint.nn,
  'nn.init': flint.nn.init,
  'nn.parallel': flint.nn.parallel,
  optim: flint.optim,
  data: flint.data,
  metrics: flint.metrics,
  'metrics.functions': flint.metrics.functions,
  callbacks: flint.callbacks,
  schedule: flint.schedule,
  models: flint.models,
  plot: flint.plot,
  vision: flint.vision,
  interpret: flint.interpret,
  tabular: flint.tabular,
  collab: flint.collab,
  tensorboard: flint.tensorboard,
  dashboard: flint.dashboard,
};

const classes: Record<string, { prototype: object }> = {
  Tensor: flint.Tensor,
  Module: flint.nn.Module,
  Optimizer: flint.optim.Optimizer,
  Learner: flint.Learner,
  DataLoader: flint.data.DataLoader,
};

// Exports with no argument to misuse, or that are error types (constructed by Flint, not by users).
const exempt = new Set([
  'vision.ImageDecodeError',
  'torch.ImageDecodeError',
  'FlintError',
  'TorchError',
  'ArgumentError',
  'CallbackError',
  'FitInterrupted',
  'CancelFitException',
  'CancelEpochException',
  'CancelTrainException',
  'CancelValidException',
  'CancelBatchException',
  'CancelStepException',
  'CancelBackwardException',
  'torch.TorchError',
  'torch.FlintError',
  'torch.ArgumentError',
  'DistributedError',
  'torch.DistributedError',
  'torch.distributed.ProcessGroup',
  'Tensor',
  'torch.Tensor',
  // procs without arguments (Categorify and Normalize take none; their setup and encode are the loaders')
  'tabular.Categorify',
  'tabular.Normalize',
]);

test('the misuse cases cover every public function, class and method', async () => {
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cases.js'))) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { cases: Case[] };
    for (const c of mod.cases) names.add(c.name);
  }
  // every exported function, under each of its exported names; covered when any of its names is
  const byFn = new Map<unknown, string[]>();
  for (const [ns, obj] of Object.entries(namespaces)) {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'function') continue;
      const name = ns ? `${ns}.${k}` : k;
      if (!byFn.has(v)) byFn.set(v, []);
      byFn.get(v)!.push(name);
    }
  }
  const missing: string[] = [];
  for (const aliases of byFn.values()) {
    if (aliases.some((n) => exempt.has(n))) continue;
    if (!aliases.some((n) => names.has(n))) missing.push(aliases.join(' = '));
  }
  for (const [cls, C] of Object.entries(classes)) {
    let proto: object | null = C.prototype;
    const seen = new Set<string>();
    while (proto && proto !== Object.prototype) {
      for (const k of Object.getOwnPropertyNames(proto)) {
        const d = Object.getOwnPropertyDescriptor(proto, k)!;
        if (k === 'constructor' || k.startsWith('_') || typeof d.value !== 'function' || seen.has(k)) continue;
        seen.add(k);
        if (!names.has(`${cls}.${k}`)) missing.push(`${cls}.${k}`);
      }
      proto = Object.getPrototypeOf(proto);
    }
  }
  assert.deepEqual(missing, [], `${missing.length} public names have no misuse case`);
});
