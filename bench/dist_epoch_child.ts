// One process of bench/dist_epoch.ts: the demo's training (src/cli/task.ts buildTask with Fashion-MNIST's defaults: the
// medium simpleCnn, Adam, cross-entropy, accuracy) for one epoch of fitOneCycle at the demo's lr 1e-2, at the given
// per-process batch size. Run alone it trains as `npm run demo` does; under `flint launch` (RANK, WORLD_SIZE... set)
// it trains data-parallel with learn.toDistributed(), as `flint demo --nproc-per-node 2` does. Only the fit is timed:
// the data are loaded, the group is up and (with 2 processes) a barrier has lined the ranks up before it starts.
// Prints one JSON line per process (Result below) and nothing else on stdout.
//   node dist/bench/dist_epoch_child.js BATCH_SIZE [LIMIT]   (LIMIT: train on the first LIMIT images, for quick checks)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { callbacks, torch } from '../src/index.js';
import { buildTask } from '../src/cli/task.js';

export interface Result {
  rank: number;
  worldSize: number;
  batchSize: number;
  libtorch: string;
  /** The model's parameter count. */
  params: number;
  /** libtorch's intra-op threads and OpenBLAS's (null without OpenBLAS) in this process. */
  threads: number;
  blasThreads: number | null;
  /** Training batches this process ran in the epoch. */
  batches: number;
  fitMs: number;
  /** DistributedTrainer.commMs: this rank's time in collectives during the fit (0 on 1 process). */
  commMs: number;
  /** This process's CPU time (user + system, every thread) during the fit. */
  cpuMs: number;
  /** The whole machine's busy CPU time (every core, every process) during the fit: what is not the benchmark's own
   * is load from elsewhere. */
  machineBusyMs: number;
  /** After the fit (2 processes only): the median of 20 bare all-reduces of a float32 tensor of the model's size,
   * what the gradients' all-reduce costs without the training around it. */
  allReduceMs: number | null;
  trainLoss: number;
  validLoss: number;
  accuracy: number;
}

/** Busy CPU time of the whole machine since boot, summed over its cores (the kernel's counters). */
function machineBusyMs(): number {
  return cpus().reduce((n, c) => n + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** Median ms of 20 all-reduces (sum) of n float32 values, after 3 untimed ones. */
async function bareAllReduceMs(n: number): Promise<number> {
  const t = torch.zeros([n]);
  try {
    const ms: number[] = [];
    for (let k = 0; k < 23; k++) {
      const t0 = performance.now();
      await dist.allReduce(t);
      if (k >= 3) ms.push(performance.now() - t0);
    }
    return ms.sort((x, y) => x - y)[ms.length >> 1]!;
  } finally {
    t.dispose();
  }
}

const [batchSize, limit] = process.argv.slice(2).map(Number) as [number, number | undefined];
if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`dist_epoch_child: expected a batch size, got ${process.argv[2]}`);
const dist = torch.distributed;
const distributed = Number(process.env.WORLD_SIZE ?? 1) > 1;
if (distributed) await dist.initProcessGroup();
const runDir = mkdtempSync(join(tmpdir(), 'flint-dist-epoch-'));
try {
  const { learn } = buildTask({ runDir, batchSize, limit: limit === undefined || Number.isNaN(limit) ? undefined : limit });
  learn.logger = () => {};
  if (distributed) learn.toDistributed();
  const trainer = learn.cbs.find((c): c is callbacks.DistributedTrainer => c instanceof callbacks.DistributedTrainer);
  const batches = trainer?.trainBatchesPerRank() ?? learn.dls.train.length;
  if (distributed) await dist.barrier();
  const machine0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await learn.noBar(() => learn.fitOneCycle(1, 1e-2));
  const fitMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const machine = machineBusyMs() - machine0;
  const params = learn.model.parameters().reduce((n, p) => n + p.numel(), 0);
  const [trainLoss = Number.NaN, validLoss = Number.NaN, accuracy = Number.NaN] = learn.recorder!.values.at(-1) ?? [];
  const result: Result = {
    rank: distributed ? dist.getRank() : 0,
    worldSize: distributed ? dist.getWorldSize() : 1,
    batchSize,
    libtorch: torch.libtorchVersion,
    params,
    threads: torch.getNumThreads(),
    blasThreads: torch.getBlasThreads(),
    batches,
    fitMs,
    commMs: trainer?.commMs ?? 0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    machineBusyMs: machine,
    allReduceMs: distributed ? await bareAllReduceMs(params) : null,
    trainLoss,
    validLoss,
    accuracy,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(runDir, { recursive: true, force: true });
  if (distributed) await dist.destroyProcessGroup();
}
