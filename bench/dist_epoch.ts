// Data-parallel training (issue 11): one epoch of the demo's training (bench/dist_epoch_child.ts: Fashion-MNIST, the
// demo's CNN, fitOneCycle at lr 1e-2, the demo's batch size) on 1 process against 2 processes of this machine:
//   (a) 1 process, as `npm run demo` runs it;
//   (b) 2 processes under `flint launch` (as `flint demo --nproc-per-node 2`), each with the demo's batch size, so
//       the global batch doubles and an epoch has half the optimizer steps;
//   (c) 2 processes with half that batch each: the global batch, and the steps, equal (a)'s;
//   (d) for context, 1 process whose intra-op pool has a thread per core (OMP_NUM_THREADS = cores).
// Each run starts fresh processes and times the fit alone (each process reports its fit time, its communication
// time, DistributedTrainer.commMs, and its CPU time; the slowest rank's fit counts). The configurations run in
// turn, their order rotated every round, --rounds times; reported are medians, the per-round speed-ups (fit time of
// (a) / fit time of the other, same round), the communication share of each 2-process fit, and the validation loss
// and accuracy, so the runs can be compared. Writes its section of BENCHMARKS.md (replaced if present; nothing else
// there changes). The machine may be shared: each run waits for it to be quiet first, and is run again when other
// work took CPU during its fit (the table says how much other load the kept runs met).
//   node dist/bench/dist_epoch.js [--rounds 3] [--batch-size 128] [--limit N] [--quiet-wait 300] [--retries 3] [--out FILE]
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../src/cli/launch.js';
import { writeSection } from './benchmarks-md.js';
import type { Result } from './dist_epoch_child.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '128' }, // the demo's
    limit: { type: 'string' }, // train on the first N images only (a quick check; the section says so)
    'quiet-wait': { type: 'string', default: '300' }, // seconds to wait, before each run, for other load to go
    retries: { type: 'string', default: '3' }, // times a run that met other load is run again
    out: { type: 'string', default: fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)) },
  },
});
const rounds = Number(values.rounds);
const batch = Number(values['batch-size']);
const limit = values.limit === undefined ? undefined : Number(values.limit);
const quietWaitS = Number(values['quiet-wait']);
const retries = Number(values.retries);
if (!(Number.isInteger(rounds) && rounds >= 1 && Number.isInteger(batch) && batch >= 2 && batch % 2 === 0)) {
  throw new Error('dist_epoch: --rounds must be a positive integer and --batch-size an even integer of at least 2');
}
if (!(quietWaitS >= 0 && Number.isInteger(retries) && retries >= 0)) {
  throw new Error('dist_epoch: --quiet-wait must be a number of seconds and --retries an integer, 0 or more');
}
if (limit !== undefined && !(Number.isInteger(limit) && limit >= 2 * batch)) {
  throw new Error('dist_epoch: --limit must be an integer of at least twice the batch size');
}
const HEADING = '## Data-parallel training: the demo epoch on 2 processes against 1 (CPU, 2 cores)';
const CHILD = fileURLToPath(new URL('./dist_epoch_child.js', import.meta.url));
const FLINT = fileURLToPath(new URL('../../bin/flint.js', import.meta.url));
const CORES = availableParallelism();

interface Config {
  key: 'a' | 'b' | 'c' | 'd';
  label: string;
  procs: 1 | 2;
  batch: number;
  env: NodeJS.ProcessEnv;
}
const configs: Config[] = [
  { key: 'a', label: '1 process (`npm run demo`)', procs: 1, batch, env: {} },
  { key: 'b', label: '2 processes, the demo batch each (global batch doubled)', procs: 2, batch, env: {} },
  { key: 'c', label: '2 processes, half the batch each (global batch as (a))', procs: 2, batch: batch / 2, env: {} },
  { key: 'd', label: `1 process, OMP_NUM_THREADS=${CORES} (context)`, procs: 1, batch, env: { OMP_NUM_THREADS: String(CORES) } },
];

// A run in flight is stopped with the bench (the launcher passes SIGTERM on to its processes).
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGTERM');
});

/** Busy CPU time of the whole machine since boot, summed over its cores (the kernel's counters). */
const machineBusyMs = (): number => cpus().reduce((n, c) => n + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
// Below this many cores busy (over a second) the machine counts as quiet.
const QUIET_CORES = 0.25;
// A run that met more other load than this during its fit is run again (up to --retries times).
const MAX_OTHER_CORES = 0.3;

/** Waits (up to --quiet-wait seconds) until the machine is quiet: this machine is shared, and a fit that shares
 * its cores with other work measures that work too. Every run reports the load it still met. */
async function waitForQuiet(): Promise<void> {
  const deadline = performance.now() + 1000 * quietWaitS;
  for (let said = false; ; said = true) {
    const b0 = machineBusyMs();
    const t0 = performance.now();
    await sleep(1000);
    const load = (machineBusyMs() - b0) / (performance.now() - t0);
    if (load < QUIET_CORES) return;
    if (performance.now() > deadline) {
      process.stderr.write(`the machine is still busy (${load.toFixed(2)} cores): running anyway\n`);
      return;
    }
    if (!said) process.stderr.write(`waiting for other load to go (${load.toFixed(2)} cores busy)...\n`);
  }
}

/** One fit of a configuration in fresh processes: every rank's Result. */
async function runOnce(cfg: Config): Promise<Result[]> {
  const childArgs = [CHILD, String(cfg.batch), ...(limit === undefined ? [] : [String(limit)])];
  const args =
    cfg.procs === 1 ? childArgs : [FLINT, 'launch', '--nproc-per-node', String(cfg.procs), '--master-port', String(await freePort()), ...childArgs];
  const p = spawn(process.execPath, args, { env: { ...process.env, ...cfg.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(p);
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d));
  p.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((resolve) => p.once('close', (c) => resolve(c)));
  running.delete(p);
  const results = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Result)
    .sort((x, y) => x.rank - y.rank);
  if (code !== 0 || results.length !== cfg.procs) {
    throw new Error(`dist_epoch: (${cfg.key}) exited with ${code}, ${results.length} of ${cfg.procs} results; stderr:\n${err.slice(-3000)}`);
  }
  return results;
}

/** One run's figures: the slowest rank's fit, each rank's communication, the CPU time of all, the metrics. */
interface Run {
  fitMs: number;
  commMs: number[];
  share: number[];
  cores: number;
  /** Cores busy with other work than the benchmark's during the fit. */
  others: number;
  accuracy: number;
  validLoss: number;
  ranks: Result[];
}
function summarise(cfg: Config, rs: Result[]): Run {
  const fitMs = Math.max(...rs.map((r) => r.fitMs));
  const r0 = rs[0]!;
  // the metrics are combined over the ranks, so every rank must read the same
  if (rs.some((r) => Math.abs(r.accuracy - r0.accuracy) > 1e-9 || Math.abs(r.validLoss - r0.validLoss) > 1e-6)) {
    throw new Error(`dist_epoch: (${cfg.key}) the ranks disagree on the validation figures: ${JSON.stringify(rs)}`);
  }
  return {
    fitMs,
    commMs: rs.map((r) => r.commMs),
    share: rs.map((r) => r.commMs / r.fitMs),
    cores: rs.reduce((s, r) => s + r.cpuMs, 0) / fitMs,
    others: Math.max(0, r0.machineBusyMs - rs.reduce((s, r) => s + r.cpuMs, 0)) / fitMs,
    accuracy: r0.accuracy,
    validLoss: r0.validLoss,
    ranks: rs,
  };
}

let repeated = 0;
const runs = new Map<Config['key'], Run[]>(configs.map((c) => [c.key, []]));
for (let k = 0; k < rounds; k++) {
  // rotate the order every round, so no configuration always follows the same one
  const order = configs.map((_, i) => configs[(i + k) % configs.length]!);
  for (const cfg of order) {
    let run: Run;
    for (let attempt = 0; ; attempt++) {
      await waitForQuiet();
      run = summarise(cfg, await runOnce(cfg));
      if (run.others <= MAX_OTHER_CORES || attempt === retries) break;
      repeated++;
      process.stderr.write(`(${cfg.key}) met ${run.others.toFixed(2)} cores of other load during its fit: running it again\n`);
    }
    runs.get(cfg.key)!.push(run);
    process.stderr.write(
      `round ${k + 1} (${cfg.key}) ${cfg.label}: fit ${(run.fitMs / 1000).toFixed(2)} s, communication ` +
        `${run.share.map((s) => `${(100 * s).toFixed(1)}%`).join(' / ')}, ${run.cores.toFixed(2)} cores busy (${run.others.toFixed(2)} elsewhere), ` +
        `accuracy ${run.accuracy.toFixed(4)}\n`,
    );
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const range = (xs: number[], f: (x: number) => string): string => `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
const sec = (ms: number): string => (ms / 1000).toFixed(2);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const get = (key: Config['key']): Run[] => runs.get(key)!;
const first = (key: Config['key']): Result => get(key)[0]!.ranks[0]!;
const a = get('a');

const lines: string[] = [];
const info = first('a');
lines.push(
  `\`npm run bench:epoch\` (\`node dist/bench/dist_epoch.js --rounds ${rounds}${limit === undefined ? '' : ` --limit ${limit}`}\`), ` +
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} logical CPU cores (${cpus()[0]?.model ?? 'unknown'}), libtorch ` +
    `${info.libtorch}. The work is the demo's (\`flint demo\`: Fashion-MNIST, the ${info.params.toLocaleString('en-US')}-parameter CNN, Adam, ` +
    `\`fitOneCycle(1, 1e-2)\`, batch ${batch}), one epoch: ${limit === undefined ? 'the 60,000 training images' : `the first ${limit} training images (a quick check, not a benchmark)`} ` +
    'and the validation pass over the 10,000 test images, which is part of the fit (sharded across the ranks on 2 processes, ' +
    'the metrics combined). Each run starts fresh processes: (a) and (d) `node dist_epoch_child.js`, (b) and (c) under `flint launch ' +
    "--nproc-per-node 2` on a free port of 127.0.0.1 (so with the launcher's OMP_NUM_THREADS=1 per process), training with " +
    '`learn.toDistributed()`. Only the fit is timed: each process loads the data, joins the group and passes a barrier first, ' +
    "then reports its fit's wall time, its time in collectives (`DistributedTrainer.commMs`: gradients, BatchNorm buffers, the " +
    "loss, the Ctrl-C agreement, the metrics) and its CPU time; the slowest rank is the run's fit time. The configurations run " +
    `in turn, the order rotated each round, ${rounds} round${rounds === 1 ? '' : 's'}; figures are medians over the rounds (range in brackets); speed-up = ` +
    "median of the per-round (a) fit time / the configuration's (above 1: faster than 1 process); cores busy = the processes' " +
    "CPU time / the fit time; other load = the machine's busy CPU time during the fit not spent by the benchmark's " +
    `processes / the fit time (this machine is shared: before each run the bench waits, up to ${quietWaitS} s, for ` +
    `less than ${QUIET_CORES} cores of other load, and a run that met more than ${MAX_OTHER_CORES} during its fit is run ` +
    `again, up to ${retries} times; ${repeated} run${repeated === 1 ? ' was' : 's were'} repeated in this one).`,
);
lines.push('');
lines.push(
  '| configuration | batch per process (global) | optimizer steps | threads per process: libtorch intra-op / OpenBLAS | ' +
    'fit s | speed-up over (a) | communication s per rank (ms per step) | communication share of the fit per rank (max) | cores busy | ' +
    'other load, cores | ' +
    'validation loss / accuracy |',
);
lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
for (const cfg of configs) {
  const rs = get(cfg.key);
  const r0 = first(cfg.key);
  const fits = rs.map((r) => r.fitMs);
  const ups = rs.map((r, k) => a[k]!.fitMs / r.fitMs);
  const acc = rs.map((r) => r.accuracy);
  /** Each rank's median of f, ranks joined by ' / '. */
  const perRank = (f: (r: Run, rank: number) => number, show: (x: number) => string): string =>
    Array.from({ length: cfg.procs }, (_, i) => show(median(rs.map((r) => f(r, i))))).join(' / ');
  const two = cfg.procs > 1;
  const cells = [
    `(${cfg.key}) ${cfg.label}`,
    `${cfg.batch} (${cfg.batch * cfg.procs})`,
    String(r0.batches),
    `${r0.threads} / ${r0.blasThreads ?? 'none'}`,
    `**${sec(median(fits))}** (${range(fits, sec)})`,
    cfg.key === 'a' ? '1' : `**${median(ups).toFixed(2)}** (${range(ups, (x) => x.toFixed(2))})`,
    two
      ? `${perRank((r, i) => r.commMs[i]!, sec)} (${perRank(
          (r, i) => r.commMs[i]! / r0.batches,
          (x) => x.toFixed(1),
        )})`
      : '-',
    two ? `${perRank((r, i) => r.share[i]!, pct)} (**${pct(median(rs.map((r) => Math.max(...r.share))))}**)` : '-',
    median(rs.map((r) => r.cores)).toFixed(2),
    `${median(rs.map((r) => r.others)).toFixed(2)} (max ${Math.max(...rs.map((r) => r.others)).toFixed(2)})`,
    `${median(rs.map((r) => r.validLoss)).toFixed(4)} / ${(100 * median(acc)).toFixed(2)}% (${range(acc, (x) => `${(100 * x).toFixed(2)}%`)})`,
  ];
  lines.push(`| ${cells.join(' | ')} |`);
}
// What the figures say, in figures: the compute left once communication is taken out, and what the gradients'
// all-reduce alone would cost against the communication time measured.
/** Median over the rounds of the slowest rank's fit time outside collectives. */
const compute = (key: Config['key']): number => median(get(key).map((r) => Math.max(...r.ranks.map((x) => x.fitMs - x.commMs))));
const gradBytes = 4 * info.params;
lines.push('');
lines.push(
  `- Outside communication, the slower rank's fit took ${sec(compute('b'))} s in (b) and ${sec(compute('c'))} s in (c), ` +
    `against ${sec(compute('a'))} s for (a) alone: each rank has half the images, but the 2 processes together kept ` +
    `${median(get('c').map((r) => r.cores)).toFixed(2)} of the ${CORES} cores busy in (c).`,
);
const bare = median(get('c').map((r) => Math.max(...r.ranks.map((x) => x.allReduceMs ?? 0))));
const perStep = median(get('c').map((r) => Math.max(...r.commMs) / r.ranks[0]!.batches));
lines.push(
  `- The gradients are ${info.params.toLocaleString('en-US')} float32 values (${(gradBytes / 1024).toFixed(0)} KB) a step: a bare ` +
    `all-reduce of that size took ${bare.toFixed(2)} ms (median of 20 after each 2-process fit, the slower rank), against ` +
    `${perStep.toFixed(1)} ms of communication a step in (c). The rest is the other collectives of a step (BatchNorm buffers, ` +
    'the loss, the Ctrl-C agreement) and waiting at each of them for the other rank.',
);
console.log(`${HEADING}\n\n${lines.join('\n')}\n`);
const out = values.out!;
writeSection(out, HEADING, lines.join('\n'));
console.error(`wrote ${out}`);
