// `flint train --images` and `flint predict` on image files: option parsing in this process, then training on a
// tiny folder of PNGs (two classes of distinct grey levels) and predicting with the export in fresh processes,
// the predictions checked against the model run here on the raw pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type data, loadLearner, models, plot, torch } from '../src/index.js';
import { parse } from './cli-parse.js';

test('flint train --images parses its options; --size is a pixel size there and a model size elsewhere', async () => {
  const t = await parse(['train', '--images', 'pets', '--arch', 'xresnet34', '--pretrained', 'w.safetensors', '--size', '128', '--epochs', '2']);
  const o = t.calls[0]![1] as Record<string, unknown>;
  assert.deepEqual(
    [o.images, o.arch, o.pretrained, o.imageSize, o.size, o.epochs, o.validPct],
    ['pets', 'xresnet34', 'w.safetensors', 128, undefined, 2, 0.2],
  );
  // the model size's default means nothing for images; lr-find takes the same options
  const d = (await parse(['lr-find', '--images', 'pets'])).calls[0]![1] as Record<string, unknown>;
  assert.deepEqual([d.images, d.size, 'imageSize' in d, 'arch' in d], ['pets', undefined, false, false]);
  // without --images nothing changes: no image keys, the model size
  const c = (await parse(['train', '--csv', 'a.csv', '--target', 'y'])).calls[0]![1] as Record<string, unknown>;
  assert.deepEqual([c.size, Object.keys(c).some((k) => ['images', 'arch', 'pretrained', 'imageSize'].includes(k))], ['medium', false]);
  const cases: [string[], RegExp][] = [
    [['train', '--images', 'd', '--arch', 'vgg16'], /argument 'vgg16' is invalid. Allowed choices are resnet18, .*simpleCnn/],
    [
      ['train', '--images', 'd', '--size', '0'],
      /argument '0' is invalid. Allowed choices are small, medium, large \(or, with --images, the images' side in pixels\), got '0'/,
    ],
    [['train', '--images', 'd', '--size', '12.5'], /argument '12.5' is invalid/],
    [['train', '--images', 'd', '--valid-pct', '0'], /option '--valid-pct <p>' argument '0' is invalid. must be a number between 0 and 1, got '0'/],
  ];
  for (const [argv, want] of cases) {
    const r = await parse(argv);
    assert.ok(r.error, argv.join(' '));
    assert.match(r.err, want, argv.join(' '));
    assert.equal(r.calls.length, 0);
  }
});

/** Grey 8x8 PNGs: 'dark' around 40, 'light' around 210 (a fixed pseudo-random jitter of +-10). */
function writeImages(root: string, counts: [split: string, n: number][]): Map<string, Uint8Array> {
  const pixels = new Map<string, Uint8Array>();
  let seed = 1;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const [split, n] of counts) {
    for (const [cls, level] of [
      ['dark', 40],
      ['light', 210],
    ] as const) {
      const dir = join(root, split, cls);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Uint8Array.from({ length: 64 }, () => level + Math.floor(rnd() * 21) - 10);
        const file = join(dir, `${i}.png`);
        writeFileSync(file, plot.encodePng(px, 8, 8, 1));
        pixels.set(file, px);
      }
    }
  }
  return pixels;
}

const bin = new URL('../../bin/flint.js', import.meta.url).pathname;
const flint = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

test('flint train --images on a folder of PNGs, then flint predict on one image and on a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-images-'));
  // 40 training images a class: with fewer, BatchNorm's running statistics after a dozen steps decide some seeds
  const pixels = writeImages(join(dir, 'data'), [
    ['train', 40],
    ['valid', 4],
  ]);
  const run = join(dir, 'run');
  const args = ['train', '--images', join(dir, 'data'), '--arch', 'simpleCnn', '--size', '8', '--epochs', '4', '--batch-size', '8'];
  const tr = flint([...args, '--out', run]);
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(
    tr.stdout,
    /^Flint train: simpleCnn \([\d,]+ parameters\) on .*data: 2 classes \(dark, light\), 8x8 images, train\/ and valid\/ folders \(80 training, 8 validation images\), fitOneCycle\(4, 0\.01\) with Adam, cpu/m,
  );
  const epochs = tr.stdout.split('\n').filter((l) => /^\d\s/.test(l));
  assert.equal(epochs.length, 4);
  assert.equal(epochs[3]!.split(/\s+/)[3], '1.000000', 'the two grey levels are told apart');
  for (const f of ['export.safetensors', 'loss.svg', 'loss.png', 'schedule.svg', join('models', 'model.safetensors')]) {
    assert.ok(existsSync(join(run, f)), f);
  }
  const exportFile = join(run, 'export.safetensors');
  const learn = loadLearner(exportFile);
  const prep = learn.dls.preprocessing as data.ImagePreprocessing;
  assert.deepEqual(
    [prep.kind, prep.itemShape, prep.vocab, prep.divisor, prep.mean, prep.std],
    ['image', [3, 8, 8], ['dark', 'light'], 255, [0], [1]],
  );

  // the whole validation folder: every image, sorted, labelled with its own folder's class
  const folder = flint(['predict', exportFile, join(dir, 'data', 'valid')]);
  assert.equal(folder.status, 0, folder.stderr);
  const lines = folder.stdout.trim().split('\n');
  assert.equal(lines[0], 'file,prediction,probability');
  const files = ['dark', 'light'].flatMap((c) => [0, 1, 2, 3].map((i) => join(dir, 'data', 'valid', c, `${i}.png`)));
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.deepEqual(
    rows.map((r) => [r[0], r[1]]),
    files.map((f) => [f, f.includes('/dark/') ? 'dark' : 'light']),
  );
  // the probabilities are the model's on the raw pixels: 8x8 needs no resize; grey to RGB, / 255, no Normalize
  const x = torch.tidy(() =>
    torch
      .stack(files.map((f) => torch.tensor(Array.from(pixels.get(f)!)).reshape([1, 8, 8])))
      .expand([8, 3, 8, 8])
      .div(255)
      .contiguous(),
  );
  learn.model.eval();
  const probs = torch.tidy(() => torch.noGrad(() => learn.model.call(x).softmax(-1)));
  const p = probs.toArray() as number[][];
  rows.forEach((r, i) => assert.ok(Math.abs(Number(r[2]) - Math.max(...p[i]!)) < 2e-6, `${r.join(',')} vs ${p[i]}`));

  // one image
  const one = flint(['predict', exportFile, files[5]!]);
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(one.stdout.trim().split('\n'), ['file,prediction,probability', lines[6]]);
  torch.dispose([x, probs]);
  learn.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('flint train --images with a random split, and --pretrained fine-tunes with ImageNet statistics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-images-'));
  writeImages(join(dir, 'flat'), [['', 16]]); // flat/dark/*.png, flat/light/*.png
  const r = flint([
    'train',
    '--images',
    join(dir, 'flat'),
    '--valid-pct',
    '0.25',
    '--arch',
    'simpleCnn',
    '--size',
    '8',
    '--epochs',
    '1',
    '--out',
    join(dir, 'r'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /8x8 images, a random 25% validation split \(24 training, 8 validation images\), fitOneCycle\(1, 0\.01\)/);
  // weights saved from an xresnet18 stand in for a converted checkpoint
  const weights = join(dir, 'xresnet18.safetensors');
  const arch = models.createModel('xresnet18', {});
  torch.save(arch.stateDict(), weights);
  arch.dispose();
  const ft = flint([
    'train',
    '--images',
    join(dir, 'flat'),
    '--arch',
    'xresnet18',
    '--pretrained',
    weights,
    '--size',
    '16',
    '--epochs',
    '1',
    '--batch-size',
    '12',
    '--out',
    join(dir, 'ft'),
  ]);
  assert.equal(ft.status, 0, ft.stderr);
  assert.match(ft.stdout, /^Flint train: xresnet18 \(pretrained: .*xresnet18\.safetensors\) .* 16x16 images, .*fineTune\(1, 0\.002\) with Adam/m);
  assert.equal(ft.stdout.split('\n').filter((l) => /^0\s/.test(l)).length, 2, 'one frozen epoch, then one unfrozen');
  const learn = loadLearner(join(dir, 'ft', 'export.safetensors'));
  const prep = learn.dls.preprocessing as data.ImagePreprocessing;
  assert.deepEqual(
    [prep.itemShape, prep.statsShape],
    [
      [3, 16, 16],
      [3, 1, 1],
    ],
  );
  prep.mean.forEach((m, i) => assert.ok(Math.abs(m - [0.485, 0.456, 0.406][i]!) < 1e-6));
  prep.std.forEach((s, i) => assert.ok(Math.abs(s - [0.229, 0.224, 0.225][i]!) < 1e-6));
  learn.model.dispose();
  rmSync(dir, { recursive: true, force: true }); // the weights and the export are ~45 MB each
});

test('flint train --images: errors name the flag, before anything is trained', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-cli-images-'));
  writeImages(join(dir, 'd'), [
    ['train', 2],
    ['valid', 1],
  ]);
  const cases: [string[], RegExp][] = [
    [['--images', join(dir, 'missing')], /^flint: --images: ".*missing" is not a folder$/m],
    [
      ['--images', join(dir, 'd'), '--valid-pct', '1.5'],
      /option '--valid-pct <p>' argument '1\.5' is invalid. must be a number between 0 and 1, got '1\.5'/,
    ],
    [
      ['--images', join(dir, 'd'), '--size', 'large'],
      /^flint: --size: with --images, give the images' side in pixels \(e\.g\. --size 224\), got 'large'$/m,
    ],
    [['--images', join(dir, 'd'), '--target', 'y'], /^flint: --target does not apply to --images/m],
    [['--images', join(dir, 'd'), '--pretrained', join(dir, 'none.safetensors')], /^flint: --pretrained: ".*none\.safetensors" is not a file$/m],
    [
      ['--images', join(dir, 'd'), '--arch', 'simpleCnn', '--pretrained', join(dir, 'd', 'train', 'dark', '0.png')],
      /^flint: --pretrained: simpleCnn has no pretrained weights$/m,
    ],
    [['--size', '64'], /^flint: --size 64 applies to --images only/m],
    [['--arch', 'resnet18'], /^flint: --arch applies to --images only/m],
    [['--images', join(dir, 'd', 'train', 'dark')], /^flint: --images: found 1 class \(dark\); put each class's images in a folder of its own/m],
  ];
  for (const [args, want] of cases) {
    const r = flint(['train', ...args, '--out', join(dir, 'run')]);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stdout, '', 'nothing was trained');
  }
  // predict: a missing export, a folder without images
  const trained = flint(['train', '--images', join(dir, 'd'), '--arch', 'simpleCnn', '--size', '8', '--epochs', '1', '--out', join(dir, 'run')]);
  assert.equal(trained.status, 0, trained.stderr);
  mkdirSync(join(dir, 'empty'));
  for (const [args, want] of [
    [[join(dir, 'none.safetensors'), join(dir, 'd')], /^flint: loadLearner: .*cannot read .*none\.safetensors/m],
    [[join(dir, 'run', 'export.safetensors'), join(dir, 'empty')], /^flint: predict: no images \(\.jpg, \.jpeg, \.png, \.webp\) below ".*empty"$/m],
  ] as const) {
    const r = flint(['predict', ...args]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, want);
  }
  rmSync(dir, { recursive: true, force: true });
});
