// DistributedDataParallel: training N steps on 2 processes with batch b (each its shard of the same shuffled
// order) gives the weights 1 process gets with batch 2b, to 1e-5; the ranks start from rank 0's weights even though
// they initialised differently.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRanks } from './dist-helpers.js';
import { type RunSpec, trainRun } from './workers/ddp-train.js';

function assertClose(got: Record<string, number[]>, want: Record<string, number[]>, what: string, tol = 1e-5): void {
  assert.deepEqual(Object.keys(got), Object.keys(want), `${what}: keys`);
  for (const [k, w] of Object.entries(want)) {
    const g = got[k] as number[];
    assert.equal(g.length, w.length, `${what} ${k}: length`);
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs((g[i] as number) - (w[i] as number));
      assert.ok(d <= tol * (1 + Math.abs(w[i] as number)), `${what} ${k}[${i}]: ${g[i]} vs ${w[i]} (difference ${d})`);
    }
  }
}

for (const [opt, bn] of [
  ['sgd', false],
  ['adam', false],
  ['sgd', true],
  ['adam', true],
] as const) {
  test(`2 ranks with batch 4 train as 1 process with batch 8 (${opt}${bn ? ', BatchNorm as SyncBatchNorm' : ''}, 12 steps over two epochs)`, async () => {
    const spec: RunSpec = { opt, bn, steps: 12, batch: 4, initSeed: 7 };
    const ranks = await runRanks('ddp', 2, { args: [JSON.stringify(spec)] });
    for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
    const { state: single, growth } = await trainRun({ ...spec, batch: 8 });
    const [r0, r1] = ranks;
    assertClose(r1?.result.state, r0?.result.state, 'rank 1 against rank 0', 0);
    assertClose(r0?.result.state, single, `2 ranks against 1 process (${opt})`);
    // a run that did not train would match nothing: the weights moved from their start
    const { state: untrained } = await trainRun({ ...spec, steps: 0, batch: 8 });
    assert.ok(Math.abs((single['0.weight'] as number[])[0]! - (untrained['0.weight'] as number[])[0]!) > 1e-4);
    for (const r of ranks) assert.ok(r.result.growth <= 1, `rank ${r.rank}: ${r.result.growth} more live tensors than after step 2`);
    assert.ok(growth <= 1, `1 process: ${growth} more live tensors than after step 2`);
  });
}

test('with one bucket per parameter, every bucket starts its all-reduce during backward; the result is the same', async () => {
  const spec: RunSpec = { opt: 'sgd', bn: false, steps: 6, batch: 4, initSeed: 7, bucketCapMb: 1e-6 };
  const ranks = await runRanks('ddp', 2, { args: [JSON.stringify(spec)] });
  for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
  const { state: single } = await trainRun({ ...spec, batch: 8 });
  for (const r of ranks) {
    // 4 parameters (two weights, two biases): 4 buckets, all launched from the gradient hooks
    assert.deepEqual(r.result.launched, [4, 4, 4, 4, 4, 4]);
    assertClose(r.result.state, single, `rank ${r.rank}, per-parameter buckets`);
  }
});

test('two backwards without syncGradients between them are refused clearly (one rank, in this process)', async () => {
  const { nn, torch } = await import('../src/index.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'flint-ddp-'));
  process.env.GLOO_SOCKET_IFNAME = 'lo';
  await torch.distributed.initProcessGroup({ initMethod: `file://${join(dir, 'store')}`, rank: 0, worldSize: 1, timeoutMs: 10_000 });
  try {
    const lin = new nn.Linear(3, 1);
    const ddp = new nn.parallel.DistributedDataParallel(lin);
    await ddp.ready;
    const x = torch.randn([4, 3]);
    const step = () => torch.tidy(() => ddp.call(x).sum().backward());
    step();
    step();
    await assert.rejects(ddp.syncGradients(), /syncGradients: .*accumulated twice before syncGradients\(\): call it after every backward/);
    // the next round is a clean one: the gradient of sum(x W^T + b) over 4 rows, averaged over the one rank
    lin.zeroGrad();
    step();
    await ddp.syncGradients();
    assert.deepEqual(lin.bias!.grad!.toArray(), [4]);
    assert.equal(ddp.lastLaunchedInBackward, 1);
    // released, the backward launches nothing; syncGradients hooks again and averages all buckets after it
    ddp.release();
    lin.zeroGrad();
    step();
    await ddp.syncGradients();
    assert.equal(ddp.lastLaunchedInBackward, 0);
    assert.deepEqual(lin.bias!.grad!.toArray(), [4]);
    ddp.release();
    torch.dispose([x, lin.parameters()]);
  } finally {
    await torch.distributed.destroyProcessGroup();
    delete process.env.GLOO_SOCKET_IFNAME;
    rmSync(dir, { recursive: true, force: true });
  }
});
