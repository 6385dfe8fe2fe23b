// One rank of test/distributed.test.ts: every collective on small tensors, the results printed for the test.
import { torch } from '../../src/index.js';
import { report } from '../dist-helpers.js';

const d = torch.distributed;
const scenario = process.argv[2] ?? 'collectives';
const timeoutMs = Number(process.env.DIST_TIMEOUT_MS ?? 20_000);
const initMethod = process.env.DIST_INIT ?? 'env://';
await d.initProcessGroup({ initMethod, timeoutMs });
const r = d.getRank();
const w = d.getWorldSize();
const arr = (t: torch.Tensor) => t.toArray();

if (scenario === 'collectives') {
  const out: Record<string, unknown> = { rank: r, worldSize: w, localRank: d.getLocalRank() };
  for (const op of ['sum', 'avg', 'product', 'min', 'max'] as const) {
    const t = torch.tensor([r + 1, -(r + 1) * 2, 0.5 * r]);
    await d.allReduce(t, op);
    out[op] = arr(t);
  }
  const i = torch.tensor([r + 1, 10], { dtype: 'int64' });
  await d.allReduce(i, d.ReduceOp.SUM);
  out.int64 = arr(i);
  const b =
    r === w - 1
      ? torch.tensor([
          [1, 2],
          [3, 4],
        ])
      : torch.zeros([2, 2]);
  await d.broadcast(b, w - 1);
  out.broadcast = arr(b);
  const gathered = Array.from({ length: w }, () => torch.zeros([2]));
  await d.allGather(gathered, torch.tensor([r, r * r]));
  out.allGather = gathered.map(arr);
  const rs = torch.zeros([2]);
  await d.reduceScatter(
    rs,
    Array.from({ length: w }, (_, k) => torch.tensor([10 * k + r, 1])),
  );
  out.reduceScatter = arr(rs);
  // several in flight at once, issued in the same order on every rank
  const many = Array.from({ length: 4 }, (_, k) => torch.full([1000], k + r));
  await Promise.all(many.map((t) => d.allReduce(t)));
  out.inFlight = many.map((t) => t.sum().item());
  await d.barrier();
  out.memory = torch.memory().liveTensors;
  report(out);
} else if (scenario === 'dead-peer') {
  if (r === 1) process.exit(3);
  const t0 = Date.now();
  try {
    for (let k = 0; k < 100; k++) await d.allReduce(torch.ones([1000]));
    report({ rank: r, error: null });
  } catch (e) {
    const err = e as torch.DistributedError;
    report({ rank: r, error: err.name, message: err.message, errRank: err.rank, op: err.op, ms: Date.now() - t0 });
  }
} else if (scenario === 'stall') {
  if (r === 1) {
    // alive but never joins the collective; ends once rank 0 has given up
    await new Promise((res) => setTimeout(res, timeoutMs * 3));
    process.exit(0);
  }
  const t0 = Date.now();
  try {
    await d.allReduce(torch.ones([3]));
    report({ rank: r, error: null });
  } catch (e) {
    report({ rank: r, error: (e as Error).name, message: (e as Error).message, ms: Date.now() - t0 });
  }
  process.exit(0);
}
if (d.isInitialized()) await d.destroyProcessGroup();
