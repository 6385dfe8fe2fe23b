// Seeds, threads, devices, and the libtorch finder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { torch } from '../src/index.js';
import { gc } from './helpers.js';

const indexUrl = new URL('../src/index.js', import.meta.url).href;
// @ts-expect-error: a plain .mjs build script without type declarations
import { findLibtorch } from '../../scripts/build-native.mjs';

test('manualSeed makes every random op reproducible', () => {
  torch.tidy(() => {
    const draw = () => {
      torch.manualSeed(1234);
      return [
        torch.rand([5]),
        torch.randn([5]),
        torch.randint(0, 100, [5]),
        torch.randperm(7),
        torch.empty(5).uniform_(),
        torch.empty(5).normal_(),
        torch.functional.dropout(torch.ones(8), 0.5),
      ].map((t) => t.toArray());
    };
    assert.deepEqual(draw(), draw());
    torch.manualSeed(1);
    const x = torch.rand([5]).toArray();
    torch.manualSeed(2);
    assert.notDeepEqual(torch.rand([5]).toArray(), x);
  });
});

test('setNumThreads / getNumThreads; the BLAS pool follows cores / intra-op threads unless pinned', () => {
  const n = torch.getNumThreads();
  const policy = (t: number) => Math.max(1, Math.floor(availableParallelism() / t));
  const blasPresent = torch.getBlasThreads() !== null;
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  if (blasPresent && process.env.OPENBLAS_NUM_THREADS === undefined) assert.equal(torch.getBlasThreads(), policy(1));
  torch.setNumThreads(2);
  assert.equal(torch.getNumThreads(), 2);
  if (blasPresent && process.env.OPENBLAS_NUM_THREADS === undefined) assert.equal(torch.getBlasThreads(), policy(2));
  torch.setNumThreads(n);
  assert.equal(torch.getNumThreads(), n);
  assert.match(torch.parallelInfo(), /ATen\/Parallel/);
  if (blasPresent) {
    assert.equal(torch.setBlasThreads(1), true);
    torch.setNumThreads(1);
    assert.equal(torch.getBlasThreads(), 1, 'a pinned BLAS pool stays as pinned');
  }
});

test('cuda reports availability consistently', () => {
  const n = torch.cuda.deviceCount();
  assert.equal(torch.cuda.isAvailable(), n > 0);
  if (n === 0) assert.throws(() => torch.ones(1, { device: 'cuda' }), /no CUDA device is available/);
  else assert.equal(torch.ones(1, { device: 'cuda' }).device, 'cuda:0');
});

test('memory() reports live tensors and bytes', () => {
  gc();
  const before = torch.memory();
  const t = torch.zeros([10, 10], { dtype: 'float64' });
  const after = torch.memory();
  assert.equal(after.liveTensors, before.liveTensors + 1);
  assert.equal(after.bytes, before.bytes + 800);
  t.dispose();
  assert.deepEqual(torch.memory(), before);
});

test("malloc tuning: on by default (glibc), off with FLINT_MALLOC_TUNING=0, the user's MALLOC_* settings left alone", () => {
  const probe = (env: Record<string, string>): string =>
    spawnSync(process.execPath, ['--input-type=module', '-e', `import { torch } from '${indexUrl}'; console.log(torch.mallocTuning);`], {
      encoding: 'utf8',
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(FLINT_MALLOC_TUNING|MALLOC_.*_|GLIBC_TUNABLES)$/.test(k))),
        ...env,
      },
    }).stdout.trim();
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  if (glibc === undefined) {
    assert.equal(torch.mallocTuning, 'unsupported');
    return;
  }
  assert.equal(probe({}), 'on');
  assert.equal(probe({ FLINT_MALLOC_TUNING: '0' }), 'off');
  assert.equal(probe({ FLINT_MALLOC_TUNING: '' }), 'on', 'an empty variable is no setting');
  assert.equal(probe({ MALLOC_TRIM_THRESHOLD_: '1000000' }), 'user');
  assert.equal(probe({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1000000' }), 'user');
});

test('large blocks kept for reuse do not grow the process: batches of 37 MiB made and freed reach a plateau', () => {
  const batch = (): void => torch.tidy(() => void torch.rand([64, 3, 224, 224]).clamp_(0.1, 0.9).sigmoid_());
  // a few blocks settle in the heap first (small allocations between them split some); measured: 7 blocks by batch 20
  for (let k = 0; k < 30; k++) batch();
  const rss = process.memoryUsage().rss;
  for (let k = 0; k < 60; k++) batch();
  const grown = (process.memoryUsage().rss - rss) / 2 ** 20;
  assert.ok(grown < 37, `RSS grew ${grown.toFixed(0)} MiB over 60 more batches: freed blocks are not being reused`);
});

test('the libtorch finder follows tch-rs: LIBTORCH, then LIBTORCH_USE_PYTORCH, then the system', () => {
  const custom = findLibtorch({ LIBTORCH: '/opt/libtorch' });
  assert.deepEqual(custom.includes, ['/opt/libtorch/include', '/opt/libtorch/include/torch/csrc/api/include']);
  assert.equal(custom.libDir, '/opt/libtorch/lib');
  if (existsSync('/usr/include/torch/csrc/api/include/torch/version.h')) {
    const system = findLibtorch({});
    assert.ok(system.includes.includes('/usr/include/torch/csrc/api/include'));
    assert.match(system.libDir, /^\/usr\/lib/);
  } else {
    assert.throws(() => findLibtorch({}), /libtorch not found: install Debian's libtorch-dev/);
  }
  assert.throws(() => findLibtorch({ LIBTORCH_USE_PYTORCH: '1', PYTHON: '/nonexistent/python3' }));
  assert.equal(torch.libtorchVersion.split('.').length, 2);
});
