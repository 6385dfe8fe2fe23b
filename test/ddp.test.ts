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
