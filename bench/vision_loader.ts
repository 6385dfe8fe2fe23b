// The image pipeline's speed against fastai and torchvision (issue 10): one training epoch of a 4,992-image folder
// of 224x224 JPEGs (Resize(224) + augTransforms(), batch 64) and of a 9,984-image folder of 28x28 PNGs, images/s.
// Flint runs as child processes (bench/vision_loader_child.ts) at prefetch 2/4 and UV_THREADPOOL_SIZE 2/4; the
// references (bench/fastai_loader.py, bench/torchvision_loader.py) at 0 and 2 DataLoader workers. Each is asked
// for one epoch at a time, in turn (the order reversed every round), so machine noise hits all alike; best and
// median of the rounds. Then a ResNet-18 training run from the folder against the same steps on a batch in
// memory (does training wait on data?), and where a JPEG batch's time goes.
//   node dist/bench/vision_loader.js [--rounds 3] [--train 10] [--cache DIR] [--python /usr/bin/python3]
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Child, startChild } from './child_process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    train: { type: 'string', default: '16' },
    cache: { type: 'string', default: '/tmp/flint-bench-images' },
    python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
    only: { type: 'string' }, // ';'-separated prefixes of child names, for a quick look
  },
});
const rounds = Number(values.rounds);
const cache = values.cache!;
const python = values.python!;
const src = (f: string): string => fileURLToPath(new URL(`../../bench/${f}`, import.meta.url));

const made = spawnSync(python, [src('make_image_folders.py'), cache], { stdio: ['ignore', 'ignore', 'inherit'] });
if (made.status !== 0) throw new Error(`make_image_folders.py failed (${made.status})`);

interface Spec {
  name: string;
  start: () => ChildProcessWithoutNullStreams;
}
const specs: Spec[] = [];
for (const uv of [2, 4])
  for (const prefetch of [2, 4])
    specs.push({
      name: `Flint, prefetch ${prefetch}, UV_THREADPOOL_SIZE ${uv}`,
      start: () =>
        spawn(process.execPath, [fileURLToPath(new URL('./vision_loader_child.js', import.meta.url)), cache, String(prefetch)], {
          env: { ...process.env, UV_THREADPOOL_SIZE: String(uv) },
        }),
    });
for (const [file, label] of [
  ['fastai_loader.py', 'fastai'],
  ['torchvision_loader.py', 'torchvision'],
] as const)
  for (const w of [0, 2]) specs.push({ name: `${label}, ${w} workers`, start: () => spawn(python, [src(file), cache, String(w)]) });
const chosen = values.only ? specs.filter((s) => values.only!.split(';').some((o) => s.name.startsWith(o))) : specs;

const children: Child[] = [];
for (const s of chosen) {
  process.stderr.write(`starting ${s.name}\n`);
  children.push(await startChild(s.start(), s.name));
}
for (const c of children) process.stderr.write(`${c.name}: ${JSON.stringify(c.info)}\n`);

const figures = new Map<string, { jpeg: number[]; png: number[] }>(children.map((c) => [c.name, { jpeg: [], png: [] }]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? children : [...children].reverse();
  for (const kind of ['jpeg', 'png'] as const)
    for (const c of order) {
      const v = Number(await c.ask(kind));
      figures.get(c.name)![kind].push(v);
      process.stderr.write(`round ${r + 1} ${kind} ${c.name}: ${v.toFixed(0)} images/s\n`);
    }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]): number => Math.max(...xs);
const f0 = (x: number): string => x.toFixed(0);
const lines: string[] = [];
/** The best images/s among the children whose names start with `lib` (NaN when none ran). */
const bestOf = (kind: 'jpeg' | 'png', lib: string): number => {
  const xs = [...figures].filter(([n]) => n.startsWith(lib)).map(([, f]) => best(f[kind]));
  return xs.length === 0 ? Number.NaN : Math.max(...xs);
};
lines.push('| loader | JPEG 224 images/s (best / median) | PNG 28 images/s (best / median) |');
lines.push('|---|---|---|');
for (const [name, f] of figures) lines.push(`| ${name} | ${f0(best(f.jpeg))} / ${f0(median(f.jpeg))} | ${f0(best(f.png))} / ${f0(median(f.png))} |`);
lines.push('');
for (const kind of ['jpeg', 'png'] as const)
  for (const lib of ['fastai', 'torchvision']) {
    const r = bestOf(kind, 'Flint') / bestOf(kind, lib);
    if (!Number.isNaN(r)) lines.push(`- ${kind.toUpperCase()}: Flint best / ${lib} best = **${r.toFixed(2)}**`);
  }

// Training from the folder against training from memory, and the profile, on the best JPEG configuration alone.
const flintKids = children.filter((c) => c.name.startsWith('Flint'));
if (flintKids.length > 0) {
  const top = flintKids.reduce((a, b) => (best(figures.get(a.name)!.jpeg) >= best(figures.get(b.name)!.jpeg) ? a : b));
  for (const c of children) if (c !== top) c.close();
  const n = Number(values.train);
  if (n > 0) {
    const t = JSON.parse(await top.ask(`train ${n}`)) as { folderMs: number; memoryMs: number; stepMs: number; n: number; pairs: number[] };
    lines.push(
      `- ResNet-18 training, ${t.n} steps from the folder each paired with a step from memory (batch 64 at 224, ${top.name}, ` +
        `${String(top.info.threads)} intra-op threads): from the folder ${f0(t.folderMs)} ms, from memory ${f0(t.memoryMs)} ms (${f0(t.stepMs)} ms/step): ` +
        `ratio **${(t.folderMs / t.memoryMs).toFixed(3)}** (pairs ${t.pairs.map((r) => r.toFixed(3)).join(', ')})`,
    );
  }
  const p = JSON.parse(await top.ask('profile')) as Record<string, number>;
  lines.push(
    `- JPEG batch of 64, each stage alone (${top.name}): ${Object.entries(p)
      .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
      .join(', ')}`,
  );
  top.close();
} else for (const c of children) c.close();
console.log(lines.join('\n'));
