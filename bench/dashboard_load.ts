// The live dashboard under load (issue 13): the same fit of the same Learner (one run folder, one Dashboard) timed
// with no page open and with 50 page clients on loopback, alternating, several times. The clients run in another
// process of this machine, each as a page does: GET /api/runs and the run's /record, then its events stream for the
// whole fit (and /record again if it fell behind). The RunLog writes a batch line every 50 ms (10 times its
// default rate), so the streams are busy. The training runs on one core (one torch and one BLAS thread) and, where
// taskset exists, the pages process on another: the pages stand for browsers, whose own CPU is not the server's cost
// (on a 2-core machine they would otherwise take turns with the training's threads). Writes its section of BENCHMARKS.md.
//   node dist/bench/dashboard_load.js [--reps 7] [--epochs 10] [--clients 50] [--out FILE]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Learner, callbacks, data, nn, optim, torch } from '../src/index.js';
import { writeSection } from './benchmarks-md.js';
import { startChild } from './child_process.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '7' },
    epochs: { type: 'string', default: '10' },
    clients: { type: 'string', default: '50' },
    out: { type: 'string', default: fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)) },
  },
});
const CLIENTS = Number(values.clients);
const PIN = existsSync('/usr/bin/taskset') && cpus().length >= 2;
if (PIN && process.env.FLINT_BENCH_PINNED === undefined) {
  // this process again, on core 0
  const args = ['-c', '0', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  process.exit(spawnSync('taskset', args, { stdio: 'inherit', env: { ...process.env, FLINT_BENCH_PINNED: '1' } }).status ?? 1);
}
await main();

async function main(): Promise<void> {
  const reps = Number(values.reps);
  const epochs = Number(values.epochs);
  torch.setNumThreads(1);
  torch.setBlasThreads(1);
  torch.manualSeed(0);
  const n = 12_000;
  const dls = data.DataLoaders.fromTensors(torch.randn([n, 784]), torch.randint(0, 10, [n]), torch.randn([2000, 784]), torch.randint(0, 10, [2000]), {
    batchSize: 64,
  });
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
  const dir = join(mkdtempSync(join(tmpdir(), 'flint-dashboard-bench-')), 'run');
  const dash = new callbacks.Dashboard();
  const learn = new Learner(dls, model, {
    lossFunc: new nn.CrossEntropyLoss(),
    optFunc: (p, h) => optim.Adam(p, h),
    cbs: [new callbacks.RunLog({ dir, batchEveryMs: 50, charts: false }), dash],
  });
  learn.logger = () => {};
  // wall time, and this process's CPU time (the server's work shows there, other processes' load much less)
  const cpu: { none: number[]; clients: number[] } = { none: [], clients: [] };
  const fit = async (arm: 'none' | 'clients'): Promise<number> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await learn.noBar(() => learn.fit(epochs, 1e-3));
    const c = process.cpuUsage(c0);
    cpu[arm].push((c.user + c.system) / 1e6);
    return (performance.now() - t0) / 1000;
  };
  // warm-up: the server starts, the optimizer's state exists
  await learn.noBar(() => learn.fit(1, 1e-3));
  const url = dash.url!;
  const pagesScript = fileURLToPath(new URL('./dashboard_pages.js', import.meta.url));
  const times: { none: number[]; clients: number[] } = { none: [], clients: [] };
  const received: Record<string, number>[] = [];
  for (let r = 0; r < reps; r++) {
    for (const arm of r % 2 === 0 ? (['none', 'clients'] as const) : (['clients', 'none'] as const)) {
      // a client process in both arms (with no page in one), so they differ only by the pages
      const n = arm === 'none' ? 0 : CLIENTS;
      const pages = [process.execPath, pagesScript, url, 'run', String(n)];
      const proc = PIN ? spawn('taskset', ['-c', '1', ...pages], { stdio: 'pipe' }) : spawn(pages[0]!, pages.slice(1), { stdio: 'pipe' });
      const child = await startChild(proc, 'pages');
      await new Promise((res) => setTimeout(res, 500));
      times[arm].push(await fit(arm));
      const got = JSON.parse(await child.ask('stop')) as Record<string, number>;
      if (arm === 'clients') received.push(got);
      await new Promise((res) => proc.once('exit', res));
    }
    console.log(`rep ${r + 1}: no clients ${times.none.at(-1)!.toFixed(2)} s, ${CLIENTS} clients ${times.clients.at(-1)!.toFixed(2)} s`);
  }
  await dash.close();

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const ratio = median(times.clients) / median(times.none);
  const minRatio = Math.min(...times.clients) / Math.min(...times.none);
  const cpuRatio = median(cpu.clients) / median(cpu.none);
  const pct = (r: number): string => `${((r - 1) * 100).toFixed(1)}%`;
  const events = received.reduce((a, x) => a + x.events!, 0) / received.length;
  const records = received.reduce((a, x) => a + x.records!, 0) / received.length;
  const dropped = received.reduce((a, x) => a + x.dropped!, 0);
  const lines = [
    `A fit of ${epochs} epochs (MLP 784-256-10, Adam, ${n} random rows, batch 64, ${dls.train.length} batches an epoch; ` +
      `RunLog every 50 ms and the Dashboard's gradient norms), the same Learner and run folder each time, timed with no page ` +
      `open and with ${CLIENTS} page clients on loopback, alternating, ${reps} times each. Each client (in another process ` +
      `of this machine${PIN ? ', on core 1 while the training runs on core 0' : ''}) does what the page does: GET /api/runs and ` +
      '/record, then the events stream for the whole fit (and ' +
      `/record again after a dropped-lines notice). CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; the training on one (1 torch thread, 1 BLAS thread).`,
    '',
    '| | fit times (s) | median (s) | fastest (s) | CPU time of the process, median (s) |',
    '|---|---|---|---|---|',
    `| no page open | ${times.none.map((t) => t.toFixed(2)).join(', ')} | ${median(times.none).toFixed(2)} | ${Math.min(...times.none).toFixed(2)} | ${median(cpu.none).toFixed(2)} |`,
    `| ${CLIENTS} page clients | ${times.clients.map((t) => t.toFixed(2)).join(', ')} | ${median(times.clients).toFixed(2)} | ${Math.min(...times.clients).toFixed(2)} | ${median(cpu.clients).toFixed(2)} |`,
    '',
    `Slowdown with ${CLIENTS} clients: ${pct(ratio)} median against median, ${pct(minRatio)} fastest against fastest; ` +
      `the training process's CPU time ${pct(cpuRatio)} (the goal is under 5%). ` +
      `Per fit the clients received ${Math.round(events)} line events in all (${Math.round(events / CLIENTS)} each) and ` +
      `fetched /record ${Math.round(records)} times; ${dropped} dropped-lines notices (a client falling 1 MiB behind).`,
  ];
  console.log(lines.join('\n'));
  writeSection(values.out!, '## Dashboard: a fit with 50 page clients', lines.join('\n'));
}
