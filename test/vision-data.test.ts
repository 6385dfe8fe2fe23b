// ImageDataLoaders on real files (PNGs written with plot.encodePng, and the JPEG fixtures): fastai's factories, the
// vocabulary, the splits, item and batch transforms, corrupt files refused or skipped and counted, showBatch's
// pictures, and a Learner training on a folder with no tensor growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics, nn, plot, torch, vision, type Tensor } from '../src/index.js';
import { ImageDataLoaders, getImageFiles } from '../src/vision/data.js';
import { gc } from './helpers.js';
import { embeddedPngs } from './png.js';

const fixtures = new URL('../../test/fixtures/images/', import.meta.url).pathname;

/** An 8x6 RGB PNG of one grey level. */
function png(level: number): Buffer {
  return plot.encodePng(new Uint8Array(8 * 6 * 3).fill(level), 8, 6, 3);
}
/** train/{a,b} and valid/{a,b}: class a images are grey 40, class b grey 200; one corrupt file in train/a. */
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flint-imgs-'));
  for (const split of ['train', 'valid']) {
    for (const [cls, level] of [
      ['a', 40],
      ['b', 200],
    ] as const) {
      mkdirSync(join(dir, split, cls), { recursive: true });
      for (let i = 0; i < (split === 'train' ? 6 : 2); i++) writeFileSync(join(dir, split, cls, `${cls}_${i}.png`), png(level));
    }
  }
  writeFileSync(join(dir, 'train', 'a', 'bad.png'), png(40).subarray(0, 60));
  return dir;
}

test('fromFolder: vocabulary, ImageNet-style split, Resize then IntToFloatTensor; a corrupt file fails naming it, or is skipped and counted', async () => {
  const dir = folder();
  assert.equal(getImageFiles(join(dir, 'train')).length, 13);
  const strict = ImageDataLoaders.fromFolder(dir, { itemTfms: vision.Resize(4), batchSize: 4, seed: 1 });
  assert.deepEqual(strict.vocab, ['a', 'b']);
  assert.equal(strict.train.dataset.length, 13);
  assert.equal(strict.valid.dataset.length, 4);
  await assert.rejects(
    async () => {
      for await (const _ of strict.train);
    },
    (e: Error) => e instanceof torch.FlintError && e.cause instanceof vision.ImageDecodeError && e.message.includes('bad.png'),
  );
  const dls = ImageDataLoaders.fromFolder(dir, { itemTfms: vision.Resize(4), batchSize: 4, seed: 1, skipBad: true });
  let seen = 0;
  for await (const b of dls.train) {
    const [x, y] = b as [Tensor, Tensor];
    assert.equal(x.dtype, 'float32');
    assert.deepEqual(x.shape.slice(1), [3, 4, 4]);
    // each image is its class's grey level, / 255
    const want = y.float().mul(160).add(40).div(255).reshape([-1, 1, 1, 1]).expand(x.shape);
    assert.ok(x.allclose(want, 1e-6, 1e-6));
    seen += x.shape[0]!;
  }
  // 13 files in 3 full batches of 4 (the last partial one dropped); the corrupt file, when drawn into them, is left out
  assert.equal(seen + dls.skipped.length, 12);
  for await (const _ of dls.train);
  for await (const _ of dls.train);
  assert.ok(dls.skipped.length >= 1 && dls.skipped.every((s) => /bad\.png$/.test(s.path)), 'skipped files are counted with their path');
  assert.match(dls.skipped[0]!.reason, /truncated/);
  assert.equal(dls.preprocessing?.kind, 'image');
});

test('fromFolder with validPct, fromNameRe, fromLists: seeded random splits and labels from names', async () => {
  const dir = folder();
  const all = ImageDataLoaders.fromFolder(join(dir, 'valid'), { validPct: 0.25, seed: 3, batchSize: 2 });
  assert.equal(all.train.dataset.length + all.valid.dataset.length, 4);
  assert.equal(all.valid.dataset.length, 1);
  const again = ImageDataLoaders.fromFolder(join(dir, 'valid'), { validPct: 0.25, seed: 3, batchSize: 2 });
  const paths = (d: ImageDataLoaders): string[] => (d.valid.dataset as unknown as { items: { path: string }[] }).items.map((i) => i.path);
  assert.deepEqual(paths(all), paths(again), 'the same seed, the same split');
  const names = ['a_0.png', 'a_1.png', 'b_0.png', 'b_1.png'];
  const re = ImageDataLoaders.fromNameRe(join(dir, 'valid', 'a'), names.slice(0, 2), /^([a-z])_\d+\.png$/, { validPct: 0.5, seed: 0 });
  assert.deepEqual(re.vocab, ['a']);
  const lists = ImageDataLoaders.fromLists(join(dir, 'train'), ['a/a_0.png', 'b/b_0.png', 'a/a_1.png'], ['cat', 'dog', 'cat'], {
    validPct: 0,
    batchSize: 3,
  });
  assert.deepEqual(lists.vocab, ['cat', 'dog']);
  const b = (await lists.train.firstBatch()) as Tensor[];
  assert.deepEqual([...(b[1]!.toTypedArray() as BigInt64Array)].map(Number).sort(), [0, 0, 1]);
  torch.dispose(b);
  assert.throws(() => ImageDataLoaders.fromNameRe(dir, ['x.png'], /^(\d+)\.png$/), /vision.ImageDataLoaders.fromNameRe: "x.png" does not match/);
});

test('fromCsv: single-label, and multi-label with a delimiter (multi-hot targets), validCol', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-csv-imgs-'));
  mkdirSync(join(dir, 'imgs'));
  for (const f of ['rgb.jpg', 'grey.jpg', 'exif1.jpg']) copyFileSync(join(fixtures, f), join(dir, 'imgs', f));
  writeFileSync(join(dir, 'labels.csv'), 'name,tags,is_valid\nrgb,red green,false\ngrey,grey,false\nexif1,red,true\n');
  const multi = ImageDataLoaders.fromCsv(dir, 'labels.csv', {
    folder: 'imgs',
    suff: '.jpg',
    fnCol: 'name',
    labelCol: 'tags',
    labelDelim: ' ',
    validCol: 'is_valid',
    itemTfms: vision.Resize(8),
    batchSize: 2,
  });
  assert.deepEqual(multi.vocab, ['green', 'grey', 'red']);
  assert.equal(multi.multiLabel, true);
  assert.deepEqual([multi.train.dataset.length, multi.valid.dataset.length], [2, 1]);
  const v = (await multi.valid.firstBatch()) as Tensor[];
  assert.deepEqual([...(v[1]!.toTypedArray() as Float32Array)], [0, 0, 1], 'exif1 is red');
  assert.deepEqual(v[0]!.shape, [1, 3, 8, 8]);
  torch.dispose(v);
  const single = ImageDataLoaders.fromCsv(dir, 'labels.csv', {
    folder: 'imgs',
    suff: '.jpg',
    fnCol: 0,
    labelCol: 2,
    validPct: 0,
    itemTfms: vision.Resize(8),
  });
  assert.deepEqual(single.vocab, ['false', 'true']);
  assert.throws(
    () => ImageDataLoaders.fromCsv(dir, 'labels.csv', { labelCol: 'nope' }),
    /vision.ImageDataLoaders.fromCsv: expected a column of .*labels.csv \(name, tags, is_valid\) for opts.labelCol, got "nope"/,
  );
});

/** The pixels of the images of an SVG grid. */
const embedded = (svg: string): Uint8Array[] => embeddedPngs(svg).map((p) => p.pixels);

test('showBatch: the batch decoded back to its pixels (Normalize and IntToFloatTensor undone), captioned by label', async () => {
  const dir = folder();
  const dls = ImageDataLoaders.fromFolder(dir, {
    itemTfms: vision.Resize(4),
    batchTfms: [vision.Normalize.fromStats(...vision.imagenetStats)],
    batchSize: 4,
    skipBad: true,
    seed: 2,
  });
  const file = join(dir, 'batch');
  const svg = await dls.showBatch({ maxN: 3, split: 'valid', file });
  const imgs = embedded(svg);
  assert.equal(imgs.length, 3);
  const captions = [...svg.matchAll(/<text[^>]*>([ab])<\/text>/g)].map((m) => m[1]);
  assert.equal(captions.length, 3);
  imgs.forEach((px, i) =>
    assert.ok(
      px.every((v) => v === (captions[i] === 'a' ? 40 : 200)),
      `image ${i} is its class's grey`,
    ),
  );
});

test('a seeded epoch repeats exactly: random item and batch transforms do not depend on which file decodes first', async () => {
  // images of very different sizes (their decodes finish out of order), each a different pattern
  const dir = mkdtempSync(join(tmpdir(), 'flint-imgs-seeded-'));
  for (let i = 0; i < 12; i++) {
    const [w, h] = i % 3 === 0 ? [640, 480] : [12 + i, 10 + i];
    const px = Uint8Array.from({ length: w * h * 3 }, (_, k) => (k * (i + 3) + ((k / w) | 0)) % 256);
    mkdirSync(join(dir, `c${i % 2}`), { recursive: true });
    writeFileSync(join(dir, `c${i % 2}`, `${i}.png`), plot.encodePng(px, w, h, 3));
  }
  const epoch = async (): Promise<number[]> => {
    torch.manualSeed(9);
    const dls = ImageDataLoaders.fromFolder(dir, {
      validPct: 0.25,
      seed: 2,
      itemTfms: vision.RandomResizedCrop(8),
      batchTfms: vision.augTransforms({ maxWarp: 0.2, pAffine: 1, pLighting: 1 }),
      batchSize: 3,
      prefetch: 3,
    });
    const sums: number[] = [];
    for await (const b of dls.train) {
      sums.push((b as Tensor[])[0]!.sum().item() as number);
      sums.push(torch.tidy(() => torch.rand([1]).item() as number)); // the consumer's own draws between batches
    }
    return sums;
  };
  const want = await epoch();
  assert.equal(want.length, 6);
  for (let k = 0; k < 3; k++) assert.deepEqual(await epoch(), want, `run ${k}`);
});

test('training batches are augmented off the JS thread, equal bitwise to the JS transforms; a pipeline of another form stays on it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-imgs-fused-'));
  for (let i = 0; i < 10; i++) {
    const px = Uint8Array.from({ length: 20 * 16 * 3 }, (_, k) => (k * (i + 5) + ((k / 16) | 0) * 7) % 256);
    mkdirSync(join(dir, `c${i % 2}`), { recursive: true });
    writeFileSync(join(dir, `c${i % 2}`, `${i}.png`), plot.encodePng(px, 16, 20, 3));
  }
  /** An identity transform of the user's: the pipeline is no longer the fusable form. */
  class Identity extends vision.BatchTransform {
    readonly order = 100;
    readonly splitIdx = null;
    protected readonly fn = 'test.Identity';
    protected encodes(x: Tensor): Tensor {
      return x.clone();
    }
  }
  const epoch = async (extra: vision.BatchTransform[], size?: number): Promise<Tensor[]> => {
    torch.manualSeed(21);
    const dls = ImageDataLoaders.fromFolder(dir, {
      validPct: 0.2,
      seed: 3,
      batchTfms: [...vision.augTransforms({ maxWarp: 0.3, pAffine: 1, pLighting: 1, ...(size ? { size } : {}) }), ...extra],
      batchSize: 4,
    });
    const out: Tensor[] = [];
    for await (const b of dls.train) out.push((b as Tensor[])[0]!.clone().keep());
    return out;
  };
  for (const size of [undefined, 12]) {
    const fused = await epoch([], size);
    const js = await epoch([new Identity()], size);
    assert.equal(fused.length, 2);
    fused.forEach((t, i) => assert.ok(t.equal(js[i]!), `batch ${i} (size ${size ?? 'kept'})`));
    assert.deepEqual(fused[0]!.shape, [4, 3, size ?? 20, size ?? 16]);
    torch.dispose([fused, js]);
  }
  // with the pretrained weights' Normalize after the augmentation (visionLearner adds it), still equal
  const norm = vision.Normalize.fromStats(...vision.imagenetStats);
  const a = await epoch([norm]);
  const b = await epoch([norm, new Identity()]);
  a.forEach((t, i) => assert.ok(t.equal(b[i]!), `normalized batch ${i}`));
  torch.dispose([a, b]);
});

test('a Learner trains on a folder of images (asynchronous loader) and live tensors do not grow over epochs', async () => {
  const dir = folder();
  const dls = ImageDataLoaders.fromFolder(dir, { itemTfms: vision.Resize(4), batchSize: 4, skipBad: true, seed: 0 });
  torch.manualSeed(0);
  const arch = (): nn.Module =>
    new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2));
  const learn = vision.visionLearner(dls, arch, { metrics: [metrics.accuracy()], linFtrs: [8], lr: 1e-2 });
  await learn.noLogging(() => learn.noBar(() => learn.fit(1)));
  gc();
  const base = torch.memory().liveTensors;
  await learn.noLogging(() => learn.noBar(() => learn.fit(4, 3e-2)));
  gc();
  assert.ok(torch.memory().liveTensors <= base, `${torch.memory().liveTensors} live tensors after, ${base} before`);
  const [loss, acc] = learn.recorder!.values.at(-1)!.slice(1) as number[];
  assert.ok(Number.isFinite(loss!) && acc! >= 0.75, `grey 40 against grey 200 is learned: accuracy ${acc}`);
  // showResults: the validation images back at their grey levels, captioned actual / predicted, red when wrong
  const svg = await learn.showResults({ maxN: 4, file: join(dir, 'results') });
  const imgs = embedded(svg);
  assert.equal(imgs.length, 4);
  const caps = [...svg.matchAll(/fill="(#2ca02c|#d62728)">([ab])<\/text>/g)].map((m) => [m[1], m[2]]);
  assert.equal(caps.length, 8, 'two caption lines per image');
  for (let i = 0; i < 4; i++) {
    const [[, actual], [color, pred]] = [caps[2 * i]!, caps[2 * i + 1]!];
    assert.equal(color === '#2ca02c', actual === pred);
    assert.ok(imgs[i]!.every((v) => v === (actual === 'a' ? 40 : 200)));
  }
});

test('visionLearner with pretrained weights adds Normalize with their statistics to the batch transforms (fastai), once', async () => {
  const dir = folder();
  const dls = ImageDataLoaders.fromFolder(dir, { itemTfms: vision.Resize(4), batchSize: 4, skipBad: true, seed: 0 });
  const arch = (): nn.Module =>
    new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2));
  const file = join(dir, 'arch.safetensors');
  torch.save(arch().stateDict(), file);
  vision.visionLearner(dls, arch, { pretrained: file });
  vision.visionLearner(dls, arch, { pretrained: file });
  const norms = dls.batchTfms.filter((t) => t instanceof vision.Normalize) as vision.Normalize[];
  assert.equal(norms.length, 1);
  assert.deepEqual([...norms[0]!.mean], [...vision.imagenetStats[0]]);
  assert.deepEqual(dls.preprocessing?.kind === 'image' && dls.preprocessing.mean, [...vision.imagenetStats[0]]);
  // the batches are normalised: grey 40 becomes (40/255 - mean) / std per channel
  const b = (await dls.valid.firstBatch()) as Tensor[];
  const want = (40 / 255 - vision.imagenetStats[0][0]!) / vision.imagenetStats[1][0]!;
  const got = Array.from(b[0]!.select(1, 0).flatten().toTypedArray() as Float32Array);
  assert.ok(got.some((v) => Math.abs(v - want) < 1e-5));
  torch.dispose(b);
});

test("the preprocessing records the Resize's method, for predict on new images", () => {
  const dir = folder();
  const squish = ImageDataLoaders.fromFolder(dir, { itemTfms: vision.Resize(4, { method: 'squish', padMode: 'zeros' }), skipBad: true });
  assert.deepEqual(squish.preprocessing?.kind === 'image' && squish.preprocessing.resize, { method: 'squish', padMode: 'zeros' });
  const plain = ImageDataLoaders.fromFolder(dir, { itemTfms: vision.Resize(4), skipBad: true });
  assert.deepEqual(plain.preprocessing?.kind === 'image' && plain.preprocessing.resize, { method: 'crop', padMode: 'reflection' });
});
