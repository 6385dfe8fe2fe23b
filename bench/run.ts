// Compares Flint with PyTorch from Python on the same training steps, in the same run: both run as child
// processes and are asked for one timed block at a time, alternating, so machine noise hits both alike; the
// figure reported is the median of the per-pair ratios. Writes BENCHMARKS.md's section for the device.
//   node dist/bench/run.js [--device cpu|cuda] [--pairs 25] [--out BENCHMARKS.md]
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { torch } from '../src/index.js';
import { writeFileAtomic } from '../src/torch/safetensors.js';
import { BLOCK_STEPS, MODELS, OPS_PER_BLOCK } from './models.js';

const { values } = parseArgs({ options: {
  device: { type: 'string', default: 'cpu' }, pairs: { type: 'string', default: '25' },
  out: { type: 'string', default: fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)) },
  python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
} });
const device = values.device!;
const pairs = Number(values.pairs);

/** A benchmark child answering one line per command. */
class Worker {
  private lines: AsyncIterator<string>;
  constructor(private proc: ChildProcessWithoutNullStreams, readonly name: string) {
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    proc.stderr.on('data', (d) => process.stderr.write(`[${name}] ${d}`));
  }
  async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`${this.name} benchmark process ended early`);
    return r.value;
  }
  async ask(cmd: string): Promise<number> {
    this.proc.stdin.write(`${cmd}\n`);
    return Number(await this.next());
  }
  close(): void { this.proc.stdin.end(); }
}

async function start(cmd: string, args: string[], env: NodeJS.ProcessEnv, name: string): Promise<[Worker, Record<string, unknown>]> {
  const w = new Worker(spawn(cmd, args, { env }), name);
  return [w, JSON.parse(await w.next())];
}

const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;

interface Row { setting: string; model: string; flint: number; torch: number; ratio: number }

async function compare(blasThreads: number): Promise<{ rows: Row[]; op?: { flint: number; native: number; torch: number }; threads: unknown }> {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads) };
  const [flint, info] = await start(process.execPath, [fileURLToPath(new URL('./flint_steps.js', import.meta.url)), '--device', device], env, 'flint');
  const [py] = await start(values.python!, [fileURLToPath(new URL('../../bench/torch_steps.py', import.meta.url)), device], env, 'pytorch');
  const setting = `${device}, OpenBLAS threads ${blasThreads}`;
  const rows: Row[] = [];
  for (const [key, m] of Object.entries(MODELS)) {
    const f: number[] = [];
    const t: number[] = [];
    const ratios: number[] = [];
    for (let k = 0; k < pairs; k++) {
      // alternate who goes first within the pair
      const [fa, ta] = k % 2 === 0 ? [await flint.ask(key), await py.ask(key)] : (([x, y]) => [y, x])([await py.ask(key), await flint.ask(key)]);
      f.push(fa!); t.push(ta!); ratios.push(fa! / ta!);
    }
    rows.push({ setting, model: m.name, flint: median(f), torch: median(t), ratio: median(ratios) });
    process.stderr.write(`  ${setting}: ${m.name} done\n`);
  }
  let op;
  if (blasThreads === 1) {
    const fo: number[] = [], no: number[] = [], to: number[] = [];
    for (let k = 0; k < pairs; k++) { fo.push(await flint.ask('op')); no.push(await flint.ask('native')); to.push(await py.ask('op')); }
    op = { flint: median(fo), native: median(no), torch: median(to) };
  }
  flint.close();
  py.close();
  return { rows, op, threads: info.threads };
}

const nproc = cpus().length;
const main = await compare(1);
const variant = device === 'cpu' && nproc > 1 ? await compare(nproc) : null;

const f2 = (x: number, d = 2): string => x.toFixed(d);
const lines: string[] = [];
lines.push(`### ${device === 'cpu' ? `CPU: ${cpus()[0]?.model ?? 'unknown'}, ${nproc} logical cores` : `GPU (${device})`}`);
lines.push('');
lines.push(`\`npm run bench${device === 'cpu' ? '' : ` -- --device ${device}`}\`, ${new Date().toISOString().slice(0, 10)}: libtorch ` +
  `${torch.libtorchVersion}, libtorch intra-op threads ${String(main.threads)}; ${pairs} alternating pairs of ` +
  `${BLOCK_STEPS}-step blocks per row. Ratio = median over pairs of Flint time / PyTorch time (below 1: Flint faster).`);
lines.push('');
lines.push('| setting | training step (SGD) | Flint ms/step | PyTorch ms/step | ratio |');
lines.push('|---|---|---|---|---|');
for (const r of [...main.rows, ...(variant?.rows ?? [])]) {
  lines.push(`| ${r.setting} | ${r.model} | ${f2(r.flint, 3)} | ${f2(r.torch, 3)} | **${f2(r.ratio)}** |`);
}
if (main.op) {
  lines.push('');
  lines.push(`| trivial op \`a.add(b)\`, one-element tensors, ${OPS_PER_BLOCK} per block | ns per op |`);
  lines.push('|---|---|');
  lines.push(`| libtorch alone (C++ loop calling at::add) | ${f2(main.op.native, 0)} |`);
  lines.push(`| Flint (scope tracking and disposal included) | ${f2(main.op.flint, 0)} |`);
  lines.push(`| PyTorch from Python | ${f2(main.op.torch, 0)} |`);
  lines.push(`| **Flint's overhead over libtorch** | **${f2(main.op.flint - main.op.native, 0)}** |`);
}
const section = lines.join('\n');
console.log(section);

const out = values.out!;
const begin = `<!-- bench:${device} -->`;
const end = `<!-- /bench:${device} -->`;
let doc = existsSync(out) ? readFileSync(out, 'utf8') : '# Benchmarks\n';
const block = `${begin}\n${section}\n${end}`;
doc = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n${block}\n`;
writeFileAtomic(out, Buffer.from(doc));
console.error(`wrote ${out}`);
