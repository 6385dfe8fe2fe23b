// Flint's side of bench/vision_loader.ts, as a child process driven over stdin (UV_THREADPOOL_SIZE is read when
// libuv starts its pool, so each setting needs its own process). Commands, one answer line each:
//   jpeg | png      one training epoch of that folder (ImageDataLoaders.fromFolder), images/s
//   train N         ResNet-18 SGD steps on N batches from the JPEG folder vs on one batch held in memory, JSON ms
//   profile [png]   where a JPEG (or PNG) batch's time goes (decode, Resize, collate, batch transforms), ms per batch
//   node dist/bench/vision_loader_child.js CACHE_DIR PREFETCH
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { models, torch, vision, type Tensor } from '../src/index.js';
import { defaultCollate } from '../src/data/collate.js';

const [cache = '/tmp/flint-bench-images', prefetchArg = '2'] = process.argv.slice(2);
const prefetch = Number(prefetchArg);
const F = torch.functional;
const BS = 64;

const loaders = {
  jpeg: vision.ImageDataLoaders.fromFolder(join(cache, 'jpeg224'), {
    itemTfms: vision.Resize(224),
    batchTfms: vision.augTransforms(),
    batchSize: BS,
    prefetch,
  }),
  png: vision.ImageDataLoaders.fromFolder(join(cache, 'png28'), { batchTfms: vision.augTransforms(), batchSize: BS, prefetch }),
};

/** Images per second over one epoch (or its first `limit` batches) of the training loader. */
async function epoch(k: keyof typeof loaders, limit = Infinity): Promise<number> {
  const t0 = performance.now();
  let n = 0,
    b = 0;
  for await (const [xb] of loaders[k].train as AsyncIterable<[Tensor, Tensor]>) {
    n += xb.shape[0]!;
    if (++b >= limit) break;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** ResNet-18 SGD steps, paired: each step on the next batch from the folder (waiting for it, its batch transforms and
 * the step) is followed by a step on one batch held in memory, so machine drift lands on both sides alike. The
 * folder's loads overlap the steps as in a fit: decoding runs on libuv's threads from the moment a batch is
 * requested; what must run on the JS thread (resize, collate, augmentation) is counted on the folder's side. */
async function train(n: number): Promise<{ folderMs: number; memoryMs: number; stepMs: number; n: number; pairs: number[] }> {
  torch.manualSeed(0);
  const model = models.resnet18({ numClasses: 10 });
  const params = model.parameters();
  const step = (x: Tensor, y: Tensor): void =>
    torch.tidy(() => {
      F.crossEntropy(model.call(x) as Tensor, y).backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!, 0.01);
          p.grad = null;
        }
      });
    });
  const [x, y] = (await loaders.jpeg.train.firstBatch()) as [Tensor, Tensor];
  step(x, y); // warm-up: first-call allocations
  const it = (loaders.jpeg.train as AsyncIterable<[Tensor, Tensor]>)[Symbol.asyncIterator]();
  // the loader's start (its first batches' decoding) is not a steady-state cost: one step from it before timing
  const first = await it.next();
  if (!first.done) step(first.value[0], first.value[1]);
  let folderMs = 0;
  let memoryMs = 0;
  const pairs: number[] = [];
  for (let k = 0; k < n; k++) {
    let t0 = performance.now();
    const b = await it.next();
    if (b.done) break;
    step(b.value[0], b.value[1]);
    const f = performance.now() - t0;
    t0 = performance.now();
    step(x, y);
    const m = performance.now() - t0;
    folderMs += f;
    memoryMs += m;
    pairs.push(f / m);
  }
  await it.return?.();
  torch.dispose([x, y]);
  model.dispose();
  return { folderMs, memoryMs, stepMs: memoryMs / pairs.length, n: pairs.length, pairs };
}

/** Milliseconds per batch of 64 for each stage, run alone on this process's thread pool, as the loader runs them. */
async function profile(kind: 'jpeg' | 'png'): Promise<Record<string, number>> {
  const files = vision.getImageFiles(join(cache, kind === 'jpeg' ? 'jpeg224' : 'png28', 'train')).slice(0, 5 * BS);
  const resize = kind === 'jpeg' ? vision.Resize(224) : (im: Tensor) => im.clone(); // no resize on the PNG folder: a copy, so both lists own their tensors
  const tfms = vision.batchTfmsFn([new vision.IntToFloatTensor(), ...vision.augTransforms()], { split: 'train' });
  const out: Record<string, number> = {};
  const batches = files.length / BS;
  let t0 = performance.now();
  const imgs = await Promise.all(files.map((f) => vision.readImage(f)));
  out.decode = (performance.now() - t0) / batches;
  for (const im of imgs) im.keep();
  t0 = performance.now();
  const sized = imgs.map((im) => resize(im, { split: 'train' }).keep());
  out.resize = (performance.now() - t0) / batches;
  const ys = files.map(() => torch.tensor(0, { dtype: 'int64' }).keep());
  let bt = 0,
    ct = 0;
  for (let b = 0; b < batches; b++) {
    torch.tidy(() => {
      const items = sized.slice(b * BS, (b + 1) * BS).map((im, i) => [im, ys[b * BS + i]!] as [Tensor, Tensor]);
      let t = performance.now();
      const batch = defaultCollate(items);
      ct += performance.now() - t;
      t = performance.now();
      tfms(batch);
      bt += performance.now() - t;
    });
  }
  out.collate = ct / batches;
  out.batchTfms = bt / batches;
  // the batch transforms one by one, at this process's intra-op threads and at every core
  const x = torch.tidy(() => defaultCollate(sized.slice(0, BS)) as Tensor).keep();
  const list = [new vision.IntToFloatTensor(), ...vision.augTransforms()];
  const threads = torch.getNumThreads();
  for (const th of [...new Set([threads, availableParallelism()])]) {
    torch.setNumThreads(th);
    torch.tidy(() => {
      let y = x;
      for (const t of list) {
        const t0 = performance.now();
        for (let k = 0; k < 3; k++) vision.applyBatchTfms([t], y, { split: 'train' });
        out[`${t.constructor.name}@${th}threads`] = (performance.now() - t0) / 3;
        y = vision.applyBatchTfms([t], y, { split: 'train' }) as Tensor;
      }
    });
  }
  torch.setNumThreads(threads);
  x.dispose();
  torch.dispose([...imgs, ...sized, ...ys]);
  return out;
}

await epoch('jpeg', 3); // warm-up: loads the code, starts the thread pool
await epoch('png', 3);
console.log(JSON.stringify({ ready: true, threads: torch.getNumThreads(), uvThreads: process.env.UV_THREADPOOL_SIZE ?? '4 (default)', prefetch }));
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'jpeg' || cmd === 'png') console.log(String(await epoch(cmd)));
  else if (cmd === 'train') console.log(JSON.stringify(await train(Number(arg ?? 10))));
  else if (cmd === 'profile') console.log(JSON.stringify(await profile(arg === 'png' ? 'png' : 'jpeg')));
  else break;
}
