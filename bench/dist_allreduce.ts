// torch.distributed against Python's torch.distributed (issue 11): all-reduce (sum) of float32 tensors between 2
// ranks over Gloo on 127.0.0.1, at 1K, 64K, 1M and 4M elements. Flint's pair (bench/dist_allreduce_child.ts) and
// Python's (bench/torch_allreduce.py) stay up for the whole run and are asked for one timed block (every size) at a
// time, alternating Flint then Python, --pairs times, so machine noise hits both alike; reported are the median
// times, bandwidths and the median (and range) of the per-pair ratios Flint / Python, and Flint's barrier latency.
// Writes its section of BENCHMARKS.md (replaced if present; nothing else there changes).
//   node dist/bench/dist_allreduce.js [--pairs 8] [--block-ms 800] [--sizes 1024,65536,...] [--out FILE] [--python P]
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../src/cli/launch.js';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSection } from './benchmarks-md.js';
import { type Child, startChild } from './child_process.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '8' },
    'block-ms': { type: 'string', default: '800' }, // timed time per size per block, about
    sizes: { type: 'string', default: '1024,65536,1048576,4194304' },
    warmup: { type: 'string', default: '5' }, // untimed all-reduces before each size's timed loop
    out: { type: 'string', default: fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)) },
    python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
  },
});
const pairs = Number(values.pairs);
const blockMs = Number(values['block-ms']);
const sizes = values.sizes!.split(',').map(Number);
const warmup = Number(values.warmup);
if (!(pairs >= 1 && blockMs > 0 && warmup >= 1 && sizes.every((n) => Number.isInteger(n) && n >= 1))) {
  throw new Error('dist_allreduce: --pairs and --warmup must be at least 1, --block-ms above 0, --sizes positive integers');
}
const WORLD = 2;
const HEADING = "## torch.distributed: all-reduce over Gloo against Python's torch.distributed (CPU, 2 processes)";

const procs: ChildProcessWithoutNullStreams[] = [];
process.on('exit', () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** The ranks of one library's group; every command goes to every rank, and each answers one line. */
interface Group {
  name: string;
  ranks: Child[];
  ask(cmd: string): Promise<string[]>;
  close(): void;
}

async function startGroup(name: string, start: (rank: number, port: number) => ChildProcessWithoutNullStreams): Promise<Group> {
  const port = await freePort();
  const ranks = await Promise.all(
    Array.from({ length: WORLD }, (_, r) => {
      const p = start(r, port);
      procs.push(p);
      return startChild(p, `${name} rank ${r}`);
    }),
  );
  return {
    name,
    ranks,
    ask: (cmd) => Promise.all(ranks.map((c) => c.ask(cmd))),
    close: () => {
      for (const c of ranks) c.close();
    },
  };
}

const flint = await startGroup('Flint', (r, port) =>
  spawn(process.execPath, [fileURLToPath(new URL('./dist_allreduce_child.js', import.meta.url)), String(r), String(WORLD), String(port)]),
);
const python = await startGroup('Python', (r, port) =>
  spawn(values.python!, [fileURLToPath(new URL('../../bench/torch_allreduce.py', import.meta.url)), String(r), String(WORLD), String(port)], {
    // Gloo's own sockets on the loopback too, as Flint's are when its store is on 127.0.0.1
    env: { ...process.env, GLOO_SOCKET_IFNAME: 'lo' },
  }),
);
const groups = [flint, python];
for (const g of groups) for (const c of g.ranks) process.stderr.write(`${c.name}: ${JSON.stringify(c.info)}\n`);

// The sum must be right on every rank before anything is timed: [1] + [2] = [3].
for (const g of groups) {
  for (const [r, a] of (await g.ask('check')).entries()) {
    const v = JSON.parse(a) as number[];
    if (v.length !== 8 || v.some((x) => x !== (WORLD * (WORLD + 1)) / 2)) throw new Error(`${g.name} rank ${r}: all-reduce gave ${a}`);
  }
}

/** One timing: ms per operation, the mean over the block's loop and the median single operation. */
interface Ms {
  mean: number;
  median: number;
}
/** The slower rank's figures (ranks answer [mean, median]). */
const slower = (answers: [number, number][]): Ms => ({
  mean: Math.max(...answers.map((a) => a[0])),
  median: Math.max(...answers.map((a) => a[1])),
});
async function block(g: Group, iters: number[]): Promise<Ms[]> {
  const answers = (await g.ask(`block ${warmup} ${sizes.map((n, i) => `${n}:${iters[i]}`).join(' ')}`)).map(
    (a) => JSON.parse(a) as [number, number][],
  );
  return sizes.map((_, i) => slower(answers.map((a) => a[i]!)));
}
const barrier = async (iters: number): Promise<Ms> =>
  slower((await flint.ask(`barrier ${warmup} ${iters}`)).map((a) => JSON.parse(a) as [number, number]));

// Warm-up and calibration: two short blocks each (the first pays for first-touch pages and connections), then each
// size gets the same count in both libraries, about --block-ms of the slower one's time.
const rough = sizes.map((n) => Math.max(5, Math.round((256 * 1024) / n)));
const est = sizes.map(() => 0);
for (const g of groups)
  for (let k = 0; k < 2; k++) {
    const ms = await block(g, rough);
    if (k === 1) ms.forEach((m, i) => (est[i] = Math.max(est[i]!, m.mean)));
  }
const iters = est.map((m) => Math.min(100_000, Math.max(5, Math.ceil(blockMs / m))));
await barrier(100);
const barrierIters = Math.min(100_000, Math.max(20, Math.ceil(blockMs / (await barrier(100)).mean)));
process.stderr.write(`operations per block: ${sizes.map((n, i) => `${n}: ${iters[i]}`).join(', ')}; barrier ${barrierIters}\n`);

const times = { flint: sizes.map((): Ms[] => []), python: sizes.map((): Ms[] => []) };
const barriers: Ms[] = [];
for (let k = 0; k < pairs; k++) {
  const f = await block(flint, iters);
  barriers.push(await barrier(barrierIters));
  const p = await block(python, iters);
  f.forEach((m, i) => times.flint[i]!.push(m));
  p.forEach((m, i) => times.python[i]!.push(m));
  const show = (k: keyof Ms) => sizes.map((n, i) => `${n} ${(f[i]![k] / p[i]![k]).toFixed(2)}`).join(', ');
  process.stderr.write(`pair ${k + 1}, Flint / Python: median op ${show('median')}; mean ${show('mean')}\n`);
}
for (const g of groups) g.close();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sig = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const label = (n: number): string => (n >= 1 << 20 ? `${n / (1 << 20)}M` : `${n / 1024}K`);
/** GB/s for `bytes` in `ms`: algorithm bandwidth, and nccl-tests' bus bandwidth (2(n-1)/n of it for all-reduce). */
const bw = (bytes: number, ms: number): string => {
  const alg = bytes / (ms * 1e6);
  return `${sig(alg)} / ${sig(((2 * (WORLD - 1)) / WORLD) * alg)}`;
};
/** Median over the pairs of Flint / Python, bold, with the pairs' range. */
const ratio = (a: Ms[], b: Ms[], k: keyof Ms): string => {
  const rs = a.map((x, j) => x[k] / b[j]![k]);
  return `**${median(rs).toFixed(2)}** (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`;
};
const us = (xs: number[]): string => (median(xs) * 1000).toFixed(0);
const range = (xs: number[]): string => `${(Math.min(...xs) * 1000).toFixed(0)}-${(Math.max(...xs) * 1000).toFixed(0)}`;

const lines: string[] = [];
const f = flint.ranks[0]!.info;
lines.push(
  `\`npm run bench:dist\` (\`node dist/bench/dist_allreduce.js --pairs ${pairs} --block-ms ${blockMs}\`), ${new Date().toISOString().slice(0, 10)}, ` +
    `${cpus().length} logical CPU cores (${cpus()[0]?.model ?? 'unknown'}): libtorch ${String(f.libtorch)} in both (Python's torch ` +
    `${String(python.ranks[0]!.info.torch)} loads the same libtorch_cpu, so the same c10d ProcessGroupGloo). Each library runs 2 rank ` +
    `processes on 127.0.0.1 (TCP store on a free port, Gloo's sockets on the loopback) that stay up for the whole run; Flint awaits ` +
    '`torch.distributed.allReduce(t)` in a loop, Python calls `dist.all_reduce(t)` (backend gloo, `init_method tcp://127.0.0.1:PORT`). ' +
    `A block is, per size, ${warmup} untimed all-reduces of a float32 zero tensor, then a fixed count, each one timed on each rank ` +
    `(the same count in both libraries, about ${blockMs} ms; the slower rank's figure counts); blocks alternate Flint then Python, ` +
    `${pairs} pairs. Per block: the median all-reduce (the typical one) and the mean (the loop's throughput, which also takes ` +
    'the calls the shared 2-core machine delayed by a scheduler tick). Times are medians over the pairs; ratio = median of ' +
    "the per-pair Flint / Python figures (below 1: Flint faster), with the pairs' range; bandwidth from the mean = bytes / time " +
    '(algorithm) and 2(n-1)/n x that (bus bandwidth as nccl-tests define it; the same for n = 2).',
);
lines.push('');
lines.push(
  '| all-reduce (sum), float32 | bytes | timed per block | Flint ms, median / mean | Python ms, median / mean | ' +
    'Flint / Python, median | Flint / Python, mean | Flint GB/s alg / bus | Python GB/s alg / bus |',
);
lines.push('|---|---|---|---|---|---|---|---|---|');
sizes.forEach((n, i) => {
  const F = times.flint[i]!;
  const P = times.python[i]!;
  const m = (xs: Ms[], k: keyof Ms) => median(xs.map((x) => x[k]));
  const bytes = 4 * n;
  lines.push(
    `| ${label(n)} elements | ${bytes.toLocaleString('en-US')} | ${iters[i]} | ${sig(m(F, 'median'))} / ${sig(m(F, 'mean'))} | ` +
      `${sig(m(P, 'median'))} / ${sig(m(P, 'mean'))} | ${ratio(F, P, 'median')} | ${ratio(F, P, 'mean')} | ` +
      `${bw(bytes, m(F, 'mean'))} | ${bw(bytes, m(P, 'mean'))} |`,
  );
});
lines.push('');
const bMed = barriers.map((b) => b.median);
const bMean = barriers.map((b) => b.mean);
lines.push(
  `- Flint's \`torch.distributed.barrier()\` between the 2 ranks (${pairs} blocks of ${barrierIters}, one after each Flint block): ` +
    `median **${us(bMed)} µs** (blocks ${range(bMed)}), mean ${us(bMean)} µs (blocks ${range(bMean)}).`,
);
console.log(`${HEADING}\n\n${lines.join('\n')}\n`);
const out = values.out!;
writeSection(out, HEADING, lines.join('\n'));
console.error(`wrote ${out}`);
