// torch.distributed over c10d's Gloo, with real processes on 127.0.0.1: the collectives' values (hand-computed),
// a dead peer and a stalled one (a clear error within the timeout, never a hang), the rendezvous' timeout, and the
// checks made before any process group exists.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArgumentError, DistributedError, FlintError, torch } from '../src/index.js';
import { freePort, runRanks } from './dist-helpers.js';

const d = torch.distributed;

test('the addon has Gloo, and nothing is initialized in a plain process', () => {
  assert.equal(d.isAvailable(), true);
  assert.equal(d.isInitialized(), false);
  assert.throws(
    () => d.getRank(),
    (e: Error) => e instanceof FlintError && /getRank: the default process group is not initialized/.test(e.message),
  );
});

test('collectives before initProcessGroup, and bad arguments, are refused with the call named', async () => {
  await assert.rejects(d.allReduce(torch.ones([2])), /allReduce: the default process group is not initialized/);
  await assert.rejects(d.barrier(), /barrier: the default process group is not initialized/);
  await assert.rejects(
    d.allReduce(torch.ones([2]), 'mean' as 'sum'),
    (e: Error) => e instanceof ArgumentError && /expected one of 'sum'/.test(e.message),
  );
  await assert.rejects(d.allReduce(torch.ones([2], { dtype: 'int64' }), 'avg'), /'avg' needs floating point/);
  await assert.rejects(d.allReduce(torch.ones([2, 3]).t()), /allReduce: expected a contiguous tensor/);
  await assert.rejects(
    d.initProcessGroup({ initMethod: 'udp://x:1', rank: 0, worldSize: 1 }),
    /expected 'env:\/\/', 'tcp:\/\/host:port' or 'file:\/\/\/path' for options.initMethod/,
  );
  await assert.rejects(d.initProcessGroup({ initMethod: 'tcp://127.0.0.1:1', rank: 2, worldSize: 2 }), /expected a rank in \[0, 2\) for rank/);
  await assert.rejects(
    d.initProcessGroup({ initMethod: 'env://', rank: 0, worldSize: 1 }),
    (e: Error) => /MASTER_ADDR/.test(e.message) || /MASTER_PORT/.test(e.message),
  );
  await assert.rejects(
    d.initProcessGroup({ backend: 'nccl', initMethod: 'tcp://127.0.0.1:1', rank: 0, worldSize: 1 }),
    /'nccl' is not built into Flint/,
  );
  await assert.rejects(d.initProcessGroup({ timeoutMs: 0, rank: 0, worldSize: 1 }), /expected .* for options.timeoutMs/);
  assert.equal(d.isInitialized(), false);
});

function close(a: number[], b: number[]): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (b[i] as number)) < 1e-6, `${a} vs ${b}`);
}

test('three ranks: allReduce (sum, avg, product, min, max), broadcast, allGather, reduceScatter, barrier', async () => {
  const ranks = await runRanks('collectives', 3, { args: ['collectives'] });
  for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
  // rank r holds [r+1, -2(r+1), r/2]
  const v = [0, 1, 2].map((r) => [r + 1, -2 * (r + 1), 0.5 * r]);
  const fold = (f: (a: number, b: number) => number) => [0, 1, 2].map((i) => v.map((x) => x[i] as number).reduce(f));
  for (const { result: o, rank } of ranks) {
    assert.equal(o.rank, rank);
    assert.equal(o.worldSize, 3);
    assert.equal(o.localRank, rank);
    close(o.sum, [6, -12, 1.5]);
    close(o.avg, [2, -4, 0.5]);
    close(
      o.product,
      fold((a, b) => a * b),
    );
    close(o.min, [1, -6, 0]);
    close(o.max, [3, -2, 1]);
    assert.deepEqual(o.int64, [6, 30]);
    assert.deepEqual(o.broadcast, [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(o.allGather, [
      [0, 0],
      [1, 1],
      [2, 4],
    ]);
    // rank k receives the sum over ranks r of inputList_r[k] = [10k + r, 1]
    assert.deepEqual(o.reduceScatter, [30 * rank + 3, 3]);
    // tensor k on rank r is full(1000, k + r): summed over ranks, 1000 * (3k + 3)
    assert.deepEqual(
      o.inFlight,
      [0, 1, 2, 3].map((k) => 1000 * (3 * k + 3)),
    );
  }
});

test('a file:// rendezvous works like the TCP store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-dist-'));
  try {
    const ranks = await runRanks('collectives', 2, {
      args: ['collectives'],
      env: { DIST_INIT: `file://${join(dir, 'store')}`, GLOO_SOCKET_IFNAME: 'lo' },
    });
    for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} failed:\n${r.stderr}`);
    for (const { result: o } of ranks) close(o.sum, [3, -6, 0.5]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a peer that dies makes the collective fail at once with Gloo's message, not hang", async () => {
  const [r0, r1] = await runRanks('collectives', 2, { args: ['dead-peer'], env: { DIST_TIMEOUT_MS: '30000' } });
  assert.equal(r1?.code, 3);
  assert.equal(r0?.code, 0, r0?.stderr);
  const o = r0?.result;
  assert.equal(o.error, 'DistributedError');
  assert.equal(o.errRank, 0);
  assert.equal(o.op, 'allReduce');
  assert.match(o.message, /^torch\.distributed\.allReduce: failed on rank 0 of 2: .*(Connection closed by peer|Connection reset|Broken pipe)/);
  // well within the 30 s timeout: the closed connection is seen, not waited out
  assert.ok(o.ms < 20_000, `took ${o.ms} ms`);
});

test('a peer that stalls makes the collective fail once the timeout has passed', async () => {
  const [r0] = await runRanks('collectives', 2, { args: ['stall'], env: { DIST_TIMEOUT_MS: '3000' } });
  assert.equal(r0?.code, 0, r0?.stderr);
  assert.equal(r0?.result.error, 'DistributedError');
  assert.match(r0?.result.message, /allReduce: failed on rank 0 of 2: .*Timed out waiting 3000ms/);
  assert.ok(r0?.result.ms >= 2900, `gave up after ${r0?.result.ms} ms`);
});

test('a rendezvous that a rank never joins rejects after the timeout', async () => {
  const port = await freePort();
  await assert.rejects(
    d.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 2, timeoutMs: 1500 }),
    (e: Error) =>
      e instanceof DistributedError && new RegExp(`initProcessGroup: rank 0 of 2 could not join the store at 127.0.0.1:${port}: `).test(e.message),
  );
  assert.equal(d.isInitialized(), false);
});
