// fastai's batch augmentation (aug_transforms): the fused Flip/Rotate/Zoom/Warp resample and the Brightness/Contrast
// pass against fastai's formulas run unfused in PyTorch (test/fixtures/augment/make_augment_fixtures.py), with given
// draws and with torch.manualSeed draws (libtorch's generator matches PyTorch's), and their identities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { torch, type Tensor } from '../src/index.js';
import {
  AffineCoordTfm,
  Brightness,
  Contrast,
  Dihedral,
  Flip,
  IntToFloatTensor,
  LightingTfm,
  Normalize,
  RandomResizedCropGPU,
  Rotate,
  Warp,
  Zoom,
  applyBatchTfms,
  augTransforms,
  batchTfmsFn,
  decodeBatchTfms,
  imagenetStats,
  setupAugTfms,
} from '../src/vision/augment.js';
import { liveTensors } from './helpers.js';

interface Enc {
  shape: number[];
  data: number[];
}
const here = dirname(fileURLToPath(import.meta.url));
const root = here.endsWith(join('dist', 'test')) ? join(here, '..', '..', 'test') : here;
const fx = JSON.parse(readFileSync(join(root, 'fixtures', 'augment', 'augment.json'), 'utf8'));

const t = (e: Enc, dtype: 'float32' | 'uint8' = 'float32'): Tensor => torch.tensor(e.data, { dtype }).reshape(e.shape);
const input = (): Tensor => t(fx.input as Enc, 'uint8');
const floats = (): Tensor => torch.tidy(() => input().float().div(255));

function close(got: Tensor, want: Enc, tol = 1e-4, what = ''): void {
  assert.deepEqual(got.shape, want.shape, `${what} shape`);
  const g = got.toTypedArray() as Float32Array;
  let worst = 0;
  want.data.forEach((w, i) => {
    worst = Math.max(worst, Math.abs(g[i]! - w));
  });
  assert.ok(worst <= tol, `${what}: max difference ${worst} > ${tol}`);
}
function maxDiff(a: Tensor, b: Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() as number);
}

const D = fx.explicit.draws;
const explicitAffine = (extra = {}): AffineCoordTfm =>
  setupAugTfms([
    new Flip({ p: 1, draw: D.flip, ...extra }),
    new Warp({ p: 1, drawX: D.warpX, drawY: D.warpY, ...extra }),
    new Rotate({ p: 1, draw: D.rotate, ...extra }),
    new Zoom({ p: 1, draw: D.zoom, drawX: D.zoomX, drawY: D.zoomY, ...extra }),
  ])[0] as AffineCoordTfm;

test('the fused affine transform matches fastai: matrices, warp homography and resampled batch', () => {
  torch.tidy(() => {
    const x = floats();
    const aff = explicitAffine();
    const { mat, coord } = aff.matrices(x);
    close(mat, fx.explicit.mat, 1e-5, 'affine matrix');
    close(coord!, fx.explicit.warp, 1e-5, 'warp homography');
    close(aff.apply(x), fx.explicit.affine, 1e-4, 'affine batch');
    close(explicitAffine({ size: [6, 7] }).apply(x), fx.explicit.size67, 1e-4, 'size [6, 7]');
    // fastai's area pre-shrink before the resample
    close(explicitAffine({ size: [2, 3] }).apply(x), fx.explicit.size23, 1e-4, 'size [2, 3]');
    close(explicitAffine({ padMode: 'zeros' }).apply(x), fx.explicit.zerosPad, 1e-4, "padMode 'zeros'");
  });
});

test('brightness then contrast in logit space match fastai', () => {
  torch.tidy(() => {
    const aff = t(fx.explicit.affine);
    const [light] = setupAugTfms([new Brightness({ p: 1, draw: D.brightness }), new Contrast({ p: 1, draw: D.contrast })]);
    assert.ok(light instanceof LightingTfm);
    close(light.apply(aff), fx.explicit.lighting, 1e-5, 'lighting');
  });
});

test('augTransforms() with torch.manualSeed reproduces fastai draw for draw, train and valid', () => {
  for (const s of fx.seeded) {
    torch.tidy(() => {
      const tfms = [new IntToFloatTensor(), ...augTransforms()];
      torch.manualSeed(s.seed);
      close(applyBatchTfms(tfms, input(), { split: 'train' }) as Tensor, s.train, 1e-4, `seed ${s.seed} train`);
      torch.manualSeed(s.seed);
      close(applyBatchTfms(tfms, input(), { split: 'valid' }) as Tensor, s.valid, 1e-4, `seed ${s.seed} valid`);
    });
  }
});

test('augTransforms: fastai defaults compose into one affine and one lighting transform', () => {
  const tfms = augTransforms();
  assert.equal(tfms.length, 2);
  const [aff, light] = tfms as [AffineCoordTfm, LightingTfm];
  assert.ok(aff instanceof AffineCoordTfm && light instanceof LightingTfm);
  assert.deepEqual([aff.affFs.length, aff.coordFs.length, light.fs.length], [3, 1, 2]); // flip, rotate, zoom; warp
  assert.deepEqual([aff.order, aff.splitIdx, light.order, light.splitIdx], [30, null, 40, 0]);
  assert.deepEqual([aff.mode, aff.padMode, aff.alignCorners, aff.size], ['bilinear', 'reflection', true, null]);
  assert.equal(augTransforms({ maxWarp: 0, maxLighting: 0, maxRotate: 0, maxZoom: 1, doFlip: false }).length, 0);
  assert.ok(augTransforms({ flipVert: true })[0] instanceof AffineCoordTfm);
  assert.deepEqual((augTransforms({ size: 5 })[0] as AffineCoordTfm).size, [5, 5]);
});

test('identities: zero rotation/zoom/warp is the identity; flipping twice is the identity; neutral lighting', () => {
  torch.tidy(() => {
    const x = floats();
    const none = setupAugTfms([
      new Flip({ p: 1, draw: 0 }),
      new Warp({ p: 1, drawX: 0, drawY: 0 }),
      new Rotate({ p: 1, draw: 0 }),
      new Zoom({ p: 1, draw: 1, drawX: 0.3, drawY: 0.8 }),
    ])[0]!;
    assert.ok(maxDiff(none.apply(x), x) < 1e-5);
    // flip twice: the grid maps back onto itself, so the batch is sampled at its own pixels
    const twice = setupAugTfms([new Flip({ p: 1, draw: 1 }), new Flip({ p: 1, draw: 1 })])[0] as AffineCoordTfm;
    const { mat } = twice.matrices(x);
    assert.ok(maxDiff(mat, torch.eye(3).unsqueeze(0).expand([2, 3, 3])) === 0);
    assert.ok(maxDiff(twice.apply(x), x) < 1e-5);
    const once = new Flip({ p: 1, draw: 1 }).apply(x);
    assert.ok(maxDiff(once, x.flip([3])) < 1e-5, 'a flip reverses the columns');
    const light = setupAugTfms([new Brightness({ p: 1, draw: 0.5 }), new Contrast({ p: 1, draw: 1 })])[0]!;
    assert.ok(maxDiff(light.apply(x), x.clamp(1e-7, 1 - 1e-7)) < 1e-6);
    // p = 0: every image keeps the neutral value whatever is drawn
    const off = augTransforms({ pAffine: 0, pLighting: 0, doFlip: false });
    assert.ok(maxDiff(applyBatchTfms(off, x) as Tensor, x.clamp(1e-7, 1 - 1e-7)) < 1e-5);
  });
});

test('the valid split runs only the deterministic part', () => {
  torch.tidy(() => {
    const x = floats();
    const tfms = [...augTransforms({ pAffine: 1, pLighting: 1 }), Normalize.fromStats(...imagenetStats)];
    const v = applyBatchTfms(tfms, x, { split: 'valid' }) as Tensor;
    close(v, fx.normalized, 1e-4, 'valid = Normalize only');
    const tr = applyBatchTfms(tfms, x, { split: 'train' }) as Tensor;
    assert.ok(maxDiff(tr, v) > 0.01, 'train changes the batch');
  });
});

test('Normalize: ImageNet stats, and decode gives back the input; IntToFloatTensor and its decode', () => {
  torch.tidy(() => {
    const x = floats();
    const norm = Normalize.fromStats(...imagenetStats);
    const y = norm.apply(x);
    close(y, fx.normalized, 1e-5, 'normalized');
    assert.ok(maxDiff(norm.decode(y), x) < 1e-6);
    assert.deepEqual([norm.order, norm.splitIdx], [99, null]);
    const itf = new IntToFloatTensor();
    const f = itf.apply(input());
    assert.equal(f.dtype, 'float32');
    assert.ok(maxDiff(f, x) === 0);
    assert.deepEqual(Array.from(itf.decode(f).flatten().toTypedArray() as BigInt64Array, Number).slice(0, 5), (fx.input as Enc).data.slice(0, 5));
    const both = [itf, norm];
    assert.ok(maxDiff(decodeBatchTfms(both, applyBatchTfms(both, input()) as Tensor).float(), input().float()) <= 1);
  });
});

test('applyBatchTfms on [x, y] leaves the targets, as a DataLoader afterBatch; nothing leaks', () => {
  torch.tidy(() => {
    const y = torch.tensor([3, 1], { dtype: 'int64' });
    const f = batchTfmsFn([new IntToFloatTensor(), ...augTransforms()], { split: 'train' });
    torch.manualSeed(fx.seeded[0].seed);
    const out = f([input(), y]) as Tensor[];
    assert.equal(out[1], y);
    close(out[0]!, fx.seeded[0].train, 1e-4, 'afterBatch');
  });
  const before = liveTensors();
  torch.tidy(() => {
    const x = input();
    const out = applyBatchTfms([new IntToFloatTensor(), ...augTransforms(), Normalize.fromStats(...imagenetStats)], x);
    (out as Tensor).dispose();
    x.dispose();
  });
  assert.equal(liveTensors(), before);
});

test('batch: one draw for the whole batch; Dihedral draws give the 8 symmetries', () => {
  torch.tidy(() => {
    const x = torch.rand([3, 2, 5, 5]);
    const { mat } = new Rotate({ p: 1, batch: true }).matrices(x);
    assert.ok(maxDiff(mat.select(0, 0), mat.select(0, 2)) === 0);
    const seen = new Set<string>();
    for (let k = 0; k < 8; k++) {
      const y = new Dihedral({ p: 1, draw: k }).apply(x);
      seen.add(Array.from(y.select(0, 0).select(0, 0).flatten().toTypedArray() as Float32Array, (v) => v.toFixed(4)).join());
      if (k === 0) assert.ok(maxDiff(y, x) < 1e-5);
      if (k === 1) assert.ok(maxDiff(y, x.flip([3])) < 1e-5);
      if (k === 2) assert.ok(maxDiff(y, x.flip([2])) < 1e-5);
      if (k === 4) assert.ok(maxDiff(y, x.flip([2, 3])) < 1e-5);
      if (k === 6) assert.ok(maxDiff(y, x.transpose(2, 3)) < 1e-5);
    }
    assert.equal(seen.size, 8);
  });
});

test('RandomResizedCropGPU: fastai geometry from the draws, resized by the identity resample; minScale in augTransforms', () => {
  torch.tidy(() => {
    const x = floats(); // 8 x 10
    const draws = [0.5, 0.3, 0.25, 0.9];
    const rrc = new RandomResizedCropGPU(4, { minScale: 0.5, ratio: [1, 1], rng: () => draws.shift()! });
    // area = (0.5 + 0.5·0.5)·80 = 60, ratio 1: side round(√60) = 8; top = floor(0.25·1) = 0, left = floor(0.9·3) = 2
    assert.deepEqual(rrc.box(8, 10), { top: 0, left: 2, height: 8, width: 8 });
    draws.push(0.5, 0.3, 0.25, 0.9);
    const y = rrc.apply(x);
    const want = torch.functional.interpolate(x.narrow(3, 2, 8).contiguous(), { size: [4, 4], mode: 'bilinear', alignCorners: true });
    assert.ok(maxDiff(y, want) < 1e-5);
    // valid: the centre crop of the ratio, (8, 8) of 8 x 10
    assert.deepEqual(rrc.box(8, 10, 'valid'), { top: 0, left: 1, height: 8, width: 8 });
    // ten misses (an area over the image) fall back to the centre crop
    const big = new RandomResizedCropGPU(4, { minScale: 1, ratio: [4, 4], rng: () => 0.5 });
    assert.deepEqual(big.box(8, 10), { top: 3, left: 0, height: 2, width: 10 });
    const tfms = augTransforms({ minScale: 0.5, size: 4 });
    assert.ok(tfms.some((t) => t instanceof RandomResizedCropGPU));
    assert.deepEqual((tfms[0] as AffineCoordTfm).size, null);
    assert.deepEqual((applyBatchTfms(tfms, x) as Tensor).shape, [2, 3, 4, 4]);
    assert.deepEqual((applyBatchTfms(tfms, x, { split: 'valid' }) as Tensor).shape, [2, 3, 4, 4]);
  });
});

test('errors name the public function and argument', () => {
  assert.throws(() => new Flip({ p: 2 }), /vision\.Flip: expected .* for options\.p/);
  assert.throws(() => augTransforms({ maxZoom: 0.5 }), /vision\.augTransforms: .*options\.maxZoom/);
  assert.throws(() => augTransforms({ minScale: 0.5 }), /vision\.augTransforms: .*options\.size/);
  assert.throws(() => new Rotate().apply(input()), /vision\.Rotate\.apply: expected a floating-point image batch/);
  assert.throws(() => new Rotate({ p: 1, draw: [1] }).apply(floats()), /vision\.Rotate: expected at least 2 values/);
  assert.throws(() => Normalize.fromStats([0.5, 0.5], [0.2, 0.2]).apply(floats()), /vision\.Normalize\.apply: .*2 channels/);
  assert.throws(() => applyBatchTfms([new Flip()], { x: 1 } as never), /vision\.applyBatchTfms: .*batch/);
  assert.throws(() => new Flip().apply(floats(), { split: 'test' as never }), /vision\.Flip\.apply: .*options\.split/);
});
