// One rank of Flint's side of bench/dist_allreduce.ts, driven over stdin (bench/torch_allreduce.py is Python's, with
// the same commands). It joins a 2-rank Gloo group on 127.0.0.1, prints a JSON ready line, then answers one line per
// command; both ranks get every command, so their collectives match:
//   check                       all-reduce (sum) of [rank + 1] x 8: JSON values (every rank must read 3 x 8 for 2 ranks)
//   block WARMUP N:ITERS ...    per size N, WARMUP all-reduces (sum, float32) then ITERS timed ones, each timed:
//                               JSON [[mean ms, median ms], ...] per size
//   barrier WARMUP ITERS        the same for barriers: JSON [mean ms, median ms]
//   node dist/bench/dist_allreduce_child.js RANK WORLD_SIZE PORT
import { createInterface } from 'node:readline';
import { torch } from '../src/index.js';

const d = torch.distributed;
const [rank = 0, worldSize = 2, port = 0] = process.argv.slice(2).map(Number);
await d.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank, worldSize, timeoutMs: 60_000 });
process.stdout.write(`${JSON.stringify({ rank, worldSize, libtorch: torch.libtorchVersion, threads: torch.getNumThreads() })}\n`);

// One buffer per size, kept for the whole run as Python's side keeps its own; zeros, so sums never overflow.
const buffers = new Map<number, torch.Tensor>();
const buffer = (n: number): torch.Tensor => {
  let t = buffers.get(n);
  if (t === undefined) {
    t = torch.zeros([n]).keep();
    buffers.set(n, t);
  }
  return t;
};

/** [mean, median] ms per call of `op` over `iters` calls, after `warmup` untimed ones (the last of which lines both
 * ranks up). The median is the typical call; the mean adds the calls a busy machine delayed (a scheduler tick). */
async function timed(op: () => Promise<void>, warmup: number, iters: number): Promise<[number, number]> {
  for (let k = 0; k < warmup; k++) await op();
  const ms = new Float64Array(iters);
  const t0 = performance.now();
  let last = t0;
  for (let k = 0; k < iters; k++) {
    await op();
    const now = performance.now();
    ms[k] = now - last;
    last = now;
  }
  return [(last - t0) / iters, ms.sort()[Math.floor(iters / 2)]!];
}

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'check') {
    const t = torch.full([8], rank + 1);
    await d.allReduce(t);
    process.stdout.write(`${JSON.stringify(t.toArray())}\n`);
    t.dispose();
  } else if (cmd === 'block') {
    const warmup = Number(args[0]);
    const ms: [number, number][] = [];
    for (const spec of args.slice(1)) {
      const [n, iters] = spec.split(':').map(Number) as [number, number];
      const t = buffer(n);
      ms.push(await timed(() => d.allReduce(t), warmup, iters));
    }
    process.stdout.write(`${JSON.stringify(ms)}\n`);
  } else if (cmd === 'barrier') {
    process.stdout.write(`${JSON.stringify(await timed(() => d.barrier(), Number(args[0]), Number(args[1])))}\n`);
  } else throw new Error(`dist_allreduce_child: unknown command ${JSON.stringify(line)}`);
}
await d.destroyProcessGroup();
