// Shared by the tests: loading PyTorch fixtures and comparing tensors with them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Callback, Learner, data, metrics, nn, optim, torch, type Tensor } from '../src/index.js';
import type { DType } from '../src/torch/dtype.js';

export interface Encoded {
  shape: number[];
  dtype: string;
  data: (number | boolean | string)[];
}

const fixtureDir = new URL('../../test/fixtures/', import.meta.url);

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as T;
}

function decode(v: number | boolean | string): number | boolean {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number | boolean;
}

/** Rebuilds a fixture tensor exactly (same dtype, shape and values). */
export function fromEnc(e: Encoded, opts: { requiresGrad?: boolean } = {}): Tensor {
  const data = e.data.map(decode);
  const dtype = e.dtype as DType;
  if (data.length === 0) return torch.zeros(e.shape, { dtype });
  const flat = dtype === 'bool' ? torch.tensor(data as boolean[]) : torch.tensor(Float64Array.from(data as number[]), { dtype });
  const t = flat.reshape(e.shape);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Asserts shape, dtype and values (within tolerance for floats; exact otherwise) match a fixture. */
export function assertMatches(actual: Tensor, expected: Encoded, what: string, tol = { rtol: 1e-5, atol: 1e-6 }): void {
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const got = Array.from(actual.toTypedArray() as ArrayLike<number | bigint>, Number);
  const want = expected.data.map(decode).map(Number);
  for (let k = 0; k < want.length; k++) {
    const g = got[k]!;
    const w = want[k]!;
    if (Number.isNaN(w)) {
      assert.ok(Number.isNaN(g), `${what}[${k}]: expected NaN, got ${g}`);
      continue;
    }
    if (!Number.isFinite(w)) {
      assert.equal(g, w, `${what}[${k}]`);
      continue;
    }
    assert.ok(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w), `${what}[${k}]: got ${g}, PyTorch gave ${w}`);
  }
}

/** Asserts numbers are close. */
export function assertClose(got: number, want: number, tol = 1e-6, what = 'value'): void {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, expected ${want}`);
}

setFlagsFromString('--expose-gc');
/** A full garbage collection now (finalizers run synchronously), so live-tensor counts are exact. */
export const gc = runInNewContext('gc') as () => void;

/** The live tensor count after a full collection: garbage left by earlier tests (tensors freed by finalizers) is
 * not counted, so a before/after comparison sees only what the code under test kept. */
export function liveTensors(): number {
  gc();
  return torch.memory().liveTensors;
}

/** Collects garbage, lets the finalizers a collection schedules for later run, and collects again: earlier tests'
 * garbage is gone before a live-tensor count is taken. */
export async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  gc();
}

/**
 * Runs `node args...` and presses Ctrl-C (SIGINT) each time its stdout first matches the next of `triggers`;
 * resolves with how it ended and what it printed.
 */
export function interruptWhen(
  args: string[],
  triggers: (string | RegExp)[],
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let sent = 0;
  proc.stderr.on('data', (d) => {
    err += d;
  });
  proc.stdout.on('data', (d) => {
    out += d;
    const next = triggers[sent];
    if (next !== undefined && (typeof next === 'string' ? out.includes(next) : next.test(out))) {
      sent++;
      proc.kill('SIGINT');
    }
  });
  return new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, out, err })));
}

/**
 * Deterministic weights for a forward fixture (as the fixture scripts' `fill`): tensor k of the state dict from
 * sin(k * 0.37 + i * 1.731), i the flat index, scaled by kind: conv weights at He init's scale (2 / sqrt(fan_in)), so
 * the output depends on the input, linear weights 1 / sqrt(fan_in), BatchNorm scales near 1 (0.3 on the norm that
 * ends a residual branch, `lastBn`), running variances near 1.5, biases and means small; num_batches_tracked = k.
 */
export function fillDeterministic(m: nn.Module, lastBn: (name: string) => boolean): void {
  torch.noGrad(() =>
    torch.tidy(() => {
      Object.entries(m.stateDict()).forEach(([name, t], k) => {
        const leaf = name.split('.').at(-1)!;
        if (leaf === 'num_batches_tracked') return void t.fill_(k);
        const base = torch
          .arange(t.numel(), { dtype: 'float64' })
          .mul(1.731)
          .add(k * 0.37)
          .sin()
          .reshape(t.shape);
        const fanIn = t.numel() / t.shape[0]!;
        let v: Tensor;
        if (t.ndim === 4) v = base.mul(2 / Math.sqrt(fanIn));
        else if (t.ndim >= 2) v = base.mul(1 / Math.sqrt(fanIn));
        else if (leaf === 'running_var') v = base.mul(0.5).add(1.5);
        else if (leaf === 'weight') v = base.mul(0.2).add(lastBn(name) ? 0.3 : 1);
        else v = base.mul(0.1);
        t.copy_(v.to({ dtype: t.dtype }));
      });
    }),
  );
}

/** A quiet Learner of a 2-class classifier (Linear(4, 2) unless given) on seeded random rows, with Adam and
 * accuracy: the run of the run-record and dashboard tests. */
export function tinyClassifier(o: {
  cbs: Callback[];
  path: string;
  x?: Tensor;
  /** The training rows of the default x (40). */
  rows?: number;
  valid?: Tensor;
  model?: nn.Module;
  batchSize?: number;
  seed?: number;
}): Learner {
  torch.manualSeed(o.seed ?? 0);
  const x = o.x ?? torch.randn([o.rows ?? 40, 4]);
  const valid = o.valid ?? torch.randn([16, 4]);
  const dls = data.DataLoaders.fromTensors(x, torch.randint(0, 2, [x.shape[0]!]), valid, torch.randint(0, 2, [valid.shape[0]!]), {
    batchSize: o.batchSize ?? 8,
    shuffle: false,
  });
  const l = new Learner(dls, o.model ?? new nn.Linear(4, 2), {
    lossFunc: new nn.CrossEntropyLoss(),
    metrics: [metrics.accuracy()],
    optFunc: (p, h) => optim.Adam(p, h),
    cbs: o.cbs,
    path: o.path,
  });
  l.logger = () => {};
  return l;
}
