// torch.augmentAsync (src/torch/augment-async.ts, native/augment.cc): the fused batch augmentation on a worker
// thread is bitwise the JS path's (vision.applyBatchTfms) for the same draws, runs off the JS thread, leaks nothing
// and refuses bad arguments synchronously.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, vision, ArgumentError, TorchError, type Tensor } from '../src/index.js';
import { type AugmentSpec, augmentAsync } from '../src/torch/augment-async.js';
import { native } from '../src/torch/native.js';
import { liveTensors } from './helpers.js';

/** A uint8 batch [n, c, h, w] from a deterministic pattern (a multiplicative hash: every byte value appears). */
function batch(n: number, c: number, h: number, w: number): Tensor {
  const a = new Array<number>(n * c * h * w);
  for (let i = 0; i < a.length; i++) a[i] = Math.imul(i + 1, 2654435761) >>> 24;
  return torch.tensor(a, { dtype: 'uint8' }).reshape([n, c, h, w]);
}

/** Bitwise equality: same shape and dtype, and the same bytes (so -0 and 0, or two NaNs, are told apart). */
function assertBitwise(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  const g = got.toTypedArray() as Float32Array;
  const w = want.toTypedArray() as Float32Array;
  assert.ok(Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(w.buffer, w.byteOffset, w.byteLength)), `${what}: bytes differ`);
  assert.ok(got.equal(want), `${what}: values differ`);
}

interface Setup {
  toFloat: vision.IntToFloatTensor;
  affine: vision.AffineCoordTfm;
}
function setup(options: vision.AugTransformsOptions): Setup {
  const tfms = vision.augTransforms({ pAffine: 1, pLighting: 1, ...options });
  const affine = tfms.find((t) => t instanceof vision.AffineCoordTfm) as vision.AffineCoordTfm;
  assert.ok(affine, 'augTransforms has an AffineCoordTfm');
  return { toFloat: new vision.IntToFloatTensor(), affine };
}

function spec(affine: vision.AffineCoordTfm, m: vision.AffineMatrices, x: Tensor, logitOps: AugmentSpec['logitOps'] = null): AugmentSpec {
  return {
    div: 255,
    mat: m.mat,
    coord: m.coord,
    size: affine.size ?? [x.shape[2]!, x.shape[3]!],
    mode: affine.mode,
    padMode: affine.padMode,
    alignCorners: affine.alignCorners,
    logitOps,
  };
}

/** The JS path and the op with the same draws (torch.manualSeed(seed) before each): [reference, op's result]. */
async function both(x: Tensor, s: Setup, seed: number, lighting: vision.LightingTfm | null, logitOps: AugmentSpec['logitOps']) {
  torch.manualSeed(seed);
  const ref = vision.applyBatchTfms(lighting ? [s.toFloat, s.affine, lighting] : [s.toFloat, s.affine], x, { split: 'train' }) as Tensor;
  torch.manualSeed(seed);
  const m = torch.tidy(() => {
    const y = s.toFloat.apply(x);
    const r = s.affine.matrices(y, { split: 'train' });
    return r.coord === null ? { mat: r.mat.keep(), coord: null } : { mat: r.mat.keep(), coord: r.coord.keep() };
  });
  const got = await augmentAsync(x, spec(s.affine, m, x, logitOps));
  return { ref, got, m };
}

const cases: [string, vision.AugTransformsOptions, boolean][] = [
  ['bilinear/reflection with warp', { maxWarp: 0.2 }, true],
  ['bilinear/reflection without warp', { maxWarp: 0 }, false],
  ['nearest/zeros with warp', { maxWarp: 0.2, mode: 'nearest', padMode: 'zeros' }, true],
  ['nearest/zeros without warp', { maxWarp: 0, mode: 'nearest', padMode: 'zeros' }, false],
  ['bilinear/reflection to 32x32 with warp', { maxWarp: 0.2, size: 32 }, true],
  ['bilinear/border to 24x36 without warp', { maxWarp: 0, size: [24, 36], padMode: 'border' }, false],
];

for (const [name, options, warped] of cases) {
  test(`augmentAsync: IntToFloat + resample is bitwise the JS path's (${name})`, async () => {
    const x = batch(4, 3, 40, 48);
    const s = setup(options);
    for (const seed of [1, 7]) {
      const { ref, got, m } = await both(x, s, seed, null, null);
      assert.equal(m.coord !== null, warped, 'a homography exactly when warping');
      const [h, w] = s.affine.size ?? [40, 48];
      assert.deepEqual(got.shape, [4, 3, h, w]);
      assertBitwise(got, ref, `${name}, seed ${seed}`);
      // not the identity: the draws moved the pixels
      const plain = x.float().div(255);
      assert.ok(!got.equal(plain), `${name}: the resample changed the batch`);
      plain.dispose();
      for (const t of [ref, got, m.mat, m.coord]) t?.dispose();
    }
  });
}

test('augmentAsync: a homography with a zero denominator falls back to the affine map, as the JS path does', async () => {
  const x = batch(2, 3, 12, 16);
  // last row 0: every denominator is 0, so resample keeps the (rotated) affine map
  const flat = torch.tensor([1, 0, 0, 0, 1, 0, 0, 0, 0]).reshape([1, 3, 3]).expand([2, 3, 3]);
  const tfm = new vision.Rotate({ p: 1, draw: [30, -20] }).compose(new vision.AffineCoordTfm({ coordFs: [() => flat] }));
  const toFloat = new vision.IntToFloatTensor();
  const ref = vision.applyBatchTfms([toFloat, tfm], x) as Tensor;
  const m = torch.tidy(() => {
    const r = tfm.matrices(toFloat.apply(x));
    return { mat: r.mat.keep(), coord: r.coord?.keep() ?? null };
  });
  assert.ok(m.coord !== null);
  const got = await augmentAsync(x, spec(tfm, m, x));
  assertBitwise(got, ref, 'zero denominators');
  const affineOnly = await augmentAsync(x, { ...spec(tfm, m, x), coord: null });
  assertBitwise(got, affineOnly, 'the affine map');
  for (const t of [x, flat, ref, got, affineOnly, m.mat, m.coord]) t?.dispose();
});

test('augmentAsync: + lighting with explicit draws is bitwise the JS path result', async () => {
  const x = batch(4, 3, 40, 48);
  const bs = [0.4, 0.55, 0.5, 0.62];
  const cs = [0.8, 1.15, 1, 0.9];
  const lighting = new vision.Brightness({ draw: bs, p: 1 }).compose(new vision.Contrast({ draw: cs, p: 1 }));
  for (const [name, options] of [
    ['warp', { maxWarp: 0.2 }],
    ['no warp, nearest/zeros', { maxWarp: 0, mode: 'nearest', padMode: 'zeros' }],
    ['warp, 32x32', { maxWarp: 0.2, size: 32 }],
  ] as [string, vision.AugTransformsOptions][]) {
    const s = setup(options);
    // Brightness adds logit(b), Contrast multiplies by c, per image (N, 1, 1, 1)
    const lb = torch.tensor(bs).logit(1e-7).reshape([-1, 1, 1, 1]);
    const c = torch.tensor(cs).reshape([-1, 1, 1, 1]);
    const { ref, got, m } = await both(x, s, 3, lighting, [
      ['add', lb],
      ['mul', c],
    ]);
    assertBitwise(got, ref, `lighting, ${name}`);
    // and the lighting did something: without it the result differs
    const { got: plain } = await both(x, s, 3, null, null);
    assert.ok(!plain.equal(got), `lighting, ${name}: the lighting changed the batch`);
    for (const t of [ref, got, plain, m.mat, m.coord, lb, c]) t?.dispose();
  }
});

test('augmentAsync: IntToFloat alone, lighting alone, and a float32 input', async () => {
  const x = batch(2, 3, 8, 10);
  const none = {
    div: 255,
    mat: null,
    coord: null,
    size: [1, 1],
    mode: 'bilinear',
    padMode: 'zeros',
    alignCorners: true,
    logitOps: null,
  } as AugmentSpec;
  const f = await augmentAsync(x, none);
  assertBitwise(
    f,
    torch.tidy(() => new vision.IntToFloatTensor().apply(x)),
    'IntToFloat',
  );
  // a float32 batch is divided out of place (IntToFloatTensor's x.div(div)), and the input is left as it was
  const before = f.clone();
  const f2 = await augmentAsync(f, { ...none, div: 2 });
  assertBitwise(
    f2,
    torch.tidy(() => new vision.IntToFloatTensor({ div: 2 }).apply(f)),
    'float32 input',
  );
  assertBitwise(f, before, 'input untouched');
  const lb = torch.tensor([0.3, 0.7]).logit(1e-7).reshape([-1, 1, 1, 1]);
  const lit = await augmentAsync(f, { ...none, div: null, logitOps: [['add', lb]] });
  const want = torch.tidy(() => new vision.Brightness({ draw: [0.3, 0.7], p: 1 }).apply(f));
  assertBitwise(lit, want, 'lighting alone');
  for (const t of [f, f2, before, lb, lit, want]) t.dispose();
});

test('augmentAsync: runs off the JS thread, and leaks no tensor', async () => {
  const x = batch(64, 3, 224, 224);
  const s = setup({});
  const m = torch.tidy(() => {
    const r = s.affine.matrices(s.toFloat.apply(x), { split: 'train' });
    return { mat: r.mat.keep(), coord: r.coord?.keep() ?? null };
  });
  const sp = spec(s.affine, m, x, [['mul', torch.full([64, 1, 1, 1], 1.1)]]);
  await augmentAsync(x, sp).then((r) => r.dispose()); // warm-up (first-call allocations)
  const before = liveTensors();
  const order: string[] = [];
  const p = augmentAsync(x, sp).then((r) => {
    order.push('resolved');
    return r;
  });
  setImmediate(() => order.push('immediate'));
  const r = await p;
  assert.equal(order[0], 'immediate', 'the event loop turned while the op ran');
  assert.deepEqual(r.shape, [64, 3, 224, 224]);
  assert.equal(liveTensors(), before + 1, 'one new tensor: the result');
  r.dispose();
  assert.equal(liveTensors(), before);
  // disposing the inputs while the op runs is safe: the worker holds them
  const x2 = x.clone();
  const p2 = augmentAsync(x2, sp);
  x2.dispose();
  const r2 = await p2;
  const r3 = await augmentAsync(x, sp);
  assertBitwise(r2, r3, 'inputs disposed mid-flight');
  for (const t of [r2, r3, x, m.mat, m.coord, sp.logitOps?.[0]?.[1]]) t?.dispose();
});

test('augmentAsync: bad arguments throw synchronously naming torch.augmentAsync; libtorch failures reject', async () => {
  const x = batch(2, 3, 40, 48);
  const mat = torch.eye(3).unsqueeze(0).expand([2, 3, 3]).contiguous();
  const good: AugmentSpec = {
    div: 255,
    mat,
    coord: null,
    size: [40, 48],
    mode: 'bilinear',
    padMode: 'reflection',
    alignCorners: true,
    logitOps: null,
  };
  const bad: [string, unknown, unknown, RegExp][] = [
    ['x not a tensor', [1, 2], good, /for x/],
    ['x 3-d', torch.zeros([3, 4, 4], { dtype: 'uint8' }), good, /for x/],
    ['x int32', torch.zeros([2, 3, 4, 4], { dtype: 'int32' }), good, /for x/],
    ['spec missing', x, undefined, /for spec/],
    ['unknown key', x, { ...good, foo: 1 }, /spec\.foo/],
    ['missing key', x, { div: 255 }, /spec\.mat/],
    ['div 0', x, { ...good, div: 0 }, /spec\.div/],
    ['div null on uint8', x, { ...good, div: null }, /spec\.div/],
    ['mat shape', x, { ...good, mat: torch.zeros([2, 2, 3]) }, /spec\.mat/],
    ['coord without mat', x, { ...good, mat: null, coord: mat }, /spec\.coord/],
    ['size', x, { ...good, size: [0, 4] }, /spec\.size\[0\]/],
    ['mode', x, { ...good, mode: 'linear' }, /spec\.mode/],
    ['padMode', x, { ...good, padMode: 'reflect' }, /spec\.padMode/],
    ['alignCorners', x, { ...good, alignCorners: 1 }, /spec\.alignCorners/],
    ['logitOps op', x, { ...good, logitOps: [['sub', torch.zeros([2, 1, 1, 1])]] }, /spec\.logitOps\[0\]\[0\]/],
    ['logitOps shape', x, { ...good, logitOps: [['add', torch.zeros([2])]] }, /spec\.logitOps\[0\]\[1\]/],
    // d = min(40 / 8, 48 / 2) / 2 = 2.5 > 1: the pre-shrink the op does not do
    ['d > 1', x, { ...good, size: [8, 8] }, /pre-shrinking.*for spec\.size/],
  ];
  for (const [what, a, b, re] of bad) {
    assert.throws(
      () => void augmentAsync(a as Tensor, b as AugmentSpec),
      (e: unknown) => e instanceof ArgumentError && e.message.startsWith('torch.augmentAsync: ') && re.test(e.message),
      what,
    );
  }
  // the addon refuses it too (the JS wrapper's checks are not its only guard)
  // (bilinear and reflection by their grid_sampler enum indices: 0 and 2)
  assert.throws(
    () => void native.augmentAsync(x._h, 255, mat._h, null, 8, 8, 0, 2, true, null),
    (e: unknown) => e instanceof ArgumentError && /pre-shrinking/.test(e.message),
  );
  assert.throws(
    () => void native.augmentAsync(x._h, 255, mat._h, null, 40, 48, 3, 2, true, null),
    (e: unknown) => e instanceof ArgumentError && /expected an index below 3 for argument 6, got 3/.test(e.message),
  );
  // the same d > 1 at 8x8 with 'nearest' has no pre-shrink: accepted
  const near = await augmentAsync(x, { ...good, size: [8, 8], mode: 'nearest' });
  assert.deepEqual(near.shape, [2, 3, 8, 8]);
  // float64 matrices with a float32 batch: grid_sample refuses on the worker, and the promise rejects
  const mat64 = mat.double();
  await assert.rejects(
    augmentAsync(x, { ...good, mat: mat64 }),
    (e: unknown) => e instanceof TorchError && e.message.startsWith('torch.augmentAsync: '),
  );
  for (const t of [x, mat, near, mat64]) t.dispose();
});
