// fastai's item transforms on uint8 [C, H, W] tensors: against a line-by-line Python port of fastai 2.7's code
// (fixtures/items/items.json, made with torch 1.13 and np.pad), against hand-computed geometry on a ramp image, the
// random draws' ranges, validation determinism, torch.manualSeed reproduction, and tensor leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, ArgumentError, type Tensor } from '../src/index.js';
import { TensorImage } from '../src/data/typed.js';
import { CenterCrop, RandomResizedCrop, Resize, ToTensor, type Box, type GeometricItemTransform, type Rng } from '../src/vision/item-transforms.js';
import { resizePil } from '../src/vision/pil-resize.js';
import { fixture, liveTensors } from './helpers.js';

interface Case {
  tfm: 'Resize' | 'RandomResizedCrop' | 'CenterCrop' | 'pil';
  shape: number[];
  data: number[];
  args: { size: number | [number, number] } & Record<string, unknown>;
  draws: number[] | null;
  split: 'train' | 'valid';
  box: Box | null;
  outShape: number[];
  out: number[];
}
interface Seeded {
  seed: number;
  shape: number[];
  rrc: Box;
  resize: Box;
  next: number;
}
const fx = fixture<{ cases: Case[]; seeded: Seeded[] }>('items/items.json');

const u8 = (data: number[], shape: number[]): Tensor => torch.tensor(data, { dtype: 'uint8' }).reshape(shape);
const flat = (t: Tensor): number[] => Array.from(t.toTypedArray() as Uint8Array);

/** An rng that hands out `draws` in order and fails the test if asked for more. */
function scripted(draws: readonly number[]): Rng & { left: () => number } {
  let i = 0;
  const rng = (): number => {
    assert.ok(i < draws.length, 'more draws than the fixture made');
    return draws[i++]!;
  };
  return Object.assign(rng, { left: () => draws.length - i });
}

function make(c: Case, rng?: Rng): GeometricItemTransform {
  const { size, ...rest } = c.args;
  if (c.tfm === 'CenterCrop') return CenterCrop(size, rest);
  if (c.tfm === 'Resize') return Resize(size, { ...rest, rng });
  return RandomResizedCrop(size, { ...rest, rng } as Parameters<typeof RandomResizedCrop>[1]);
}

test('item transforms match the Python port of fastai on every fixture case (exact uint8 values)', () => {
  for (const [i, c] of fx.cases.entries()) {
    if (c.tfm === 'pil') continue;
    const what = `case ${i} ${c.tfm} ${JSON.stringify(c.args)} ${c.split}`;
    torch.tidy(() => {
      const rng = scripted(c.draws ?? []);
      const out = make(c, rng)(u8(c.data, c.shape), { split: c.split });
      assert.deepEqual(out.shape, c.outShape, what);
      assert.equal(out.dtype, 'uint8', what);
      assert.deepEqual(flat(out), c.out, what);
      assert.equal(rng.left(), 0, `${what}: every draw used`);
      if (c.box !== null) {
        const plan = make(c, scripted(c.draws ?? [])).plan(c.shape, { split: c.split });
        assert.deepEqual(plan.box, c.box, what);
      }
    });
  }
});

test("resample 'pil' is Pillow's BILINEAR resize bit for bit (down by up to 8x, up, one axis at a time)", () => {
  const pil = fx.cases.filter((c) => c.tfm === 'pil');
  assert.equal(pil.length, 6);
  for (const c of pil) {
    torch.tidy(() => {
      const out = resizePil(u8(c.data, c.shape), c.args.size as [number, number]);
      assert.deepEqual(out.shape, c.outShape);
      assert.deepEqual(flat(out), c.out, `${c.shape} to ${c.args.size}`);
    });
  }
});

test('torch.manualSeed reproduces the draws PyTorch makes with the same seed (RandomResizedCrop, then Resize)', () => {
  for (const s of fx.seeded) {
    torch.manualSeed(s.seed);
    assert.deepEqual(RandomResizedCrop(224).plan(s.shape).box, s.rrc, `seed ${s.seed}`);
    assert.deepEqual(Resize(224).plan(s.shape).box, s.resize, `seed ${s.seed}`);
    assert.equal(
      torch.tidy(() => torch.rand([1], { dtype: 'float64' }).item()),
      s.next,
      `seed ${s.seed}: two draws per Resize`,
    );
  }
});

// ramp[c, i, j] = 10 i + j + c, on 6 x 8
const RAMP = Array.from({ length: 3 * 6 * 8 }, (_, k) => 10 * Math.floor((k % 48) / 8) + (k % 8) + Math.floor(k / 48));
const rampAt = (c: number, i: number, j: number): number => 10 * i + j + c;
const ramp = (): Tensor => u8(RAMP, [3, 6, 8]);
function grid(c: number, rows: number[], cols: number[]): number[] {
  return rows.flatMap((i) => cols.map((j) => rampAt(c, i, j)));
}
const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, k) => a + k);

test('CenterCrop crops the centred box and pads with zeros by default (hand-computed on a ramp)', () => {
  torch.tidy(() => {
    const out = CenterCrop(4)(ramp());
    assert.deepEqual(out.shape, [3, 4, 4]);
    // tl = ((6-4)//2, (8-4)//2) = (1, 2)
    assert.deepEqual(flat(out.select(0, 2)), grid(2, range(1, 4), range(2, 4)));
    // [8, 7]: rows padded by one above and one below, cols cropped from (8-7)//2 = 0
    const padded = CenterCrop([8, 7])(ramp());
    assert.deepEqual(padded.shape, [3, 8, 7]);
    const ch0 = flat(padded.select(0, 0));
    assert.deepEqual(ch0.slice(0, 7), [0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(ch0.slice(7, 14), grid(0, [0], range(0, 7)));
    assert.deepEqual(ch0.slice(49), [0, 0, 0, 0, 0, 0, 0]);
  });
});

test("Resize 'pad' fits the image, then pads: reflection (numpy's, edge not repeated), zeros, border", () => {
  torch.tidy(() => {
    // 6x8 into 8x8: m = max(8/8, 6/8) = 1, box (8, 8) at tl_y = int(0.5 * (6 - 8)) = -1: one row above, one below
    const rows = { reflection: [1, 0, 1, 2, 3, 4, 5, 4], border: [0, 0, 1, 2, 3, 4, 5, 5] };
    for (const padMode of ['reflection', 'border'] as const) {
      const out = Resize(8, { method: 'pad', padMode })(ramp(), { split: 'valid' });
      assert.deepEqual(flat(out.select(0, 1)), grid(1, rows[padMode], range(0, 8)), padMode);
    }
    const z = flat(Resize(8, { method: 'pad', padMode: 'zeros' })(ramp(), { split: 'valid' }).select(0, 1));
    assert.deepEqual(z, [...Array(8).fill(0), ...grid(1, range(0, 6), range(0, 8)), ...Array(8).fill(0)]);
    // train: the position is drawn; y = 0.9 gives int(0.9 * -2) = -1 too, y = 0.2 gives int(-0.4) = 0 (all padding below)
    const plan = Resize(8, { method: 'pad', rng: scripted([0.5, 0.2]) }).plan([3, 6, 8]);
    assert.deepEqual(plan.box, { top: 0, left: 0, height: 8, width: 8 });
  });
});

test("Resize 'crop' boxes: the largest box of the target's aspect, random on train, centred on valid", () => {
  // 6x8 to 4x4: m = min(8/4, 6/4) = 1.5, box 6x6; x in [0, 2]
  assert.deepEqual(Resize(4).plan([3, 6, 8], { split: 'valid' }).box, { top: 0, left: 1, height: 6, width: 6 });
  assert.deepEqual(Resize(4, { rng: scripted([0.99, 0.7]) }).plan([3, 6, 8]).box, { top: 0, left: 1, height: 6, width: 6 });
  assert.deepEqual(Resize(4, { rng: scripted([0, 0]) }).plan([3, 6, 8]).box, { top: 0, left: 0, height: 6, width: 6 });
  // [h, w] = [2, 8] on 6x8: m = min(8/8, 6/2) = 1, box 2x8, y = int(0.6 * 4) = 2
  assert.deepEqual(Resize([2, 8], { rng: scripted([0.1, 0.6]) }).plan([3, 6, 8]).box, { top: 2, left: 0, height: 2, width: 8 });
  torch.tidy(() => {
    // with no resize needed ([2, 8] from a 2x8 box) the output is exactly the box
    const out = Resize([2, 8], { rng: scripted([0.1, 0.6]) })(ramp());
    assert.deepEqual(flat(out.select(0, 2)), grid(2, [2, 3], range(0, 8)));
  });
});

test("Resize 'squish' by exactly 2 averages 2x2 blocks, then rounds half to even (hand-computed)", () => {
  torch.tidy(() => {
    const out = Resize([3, 4], { method: 'squish' })(ramp());
    assert.deepEqual(out.shape, [3, 3, 4]);
    // the block mean is 10 (2a + 0.5) + (2b + 0.5) + c = 20a + 2b + c + 5.5, rounded half to even
    const want = (c: number): number[] =>
      range(0, 3).flatMap((a) => range(0, 4).map((b) => (c % 2 === 0 ? 20 * a + 2 * b + c + 6 : 20 * a + 2 * b + c + 5)));
    for (const c of [0, 1, 2]) assert.deepEqual(flat(out.select(0, c)), want(c), `channel ${c}`);
  });
});

test('RandomResizedCrop training boxes: area in [minScale, 1] of the image and aspect within ratio (2000 draws)', () => {
  torch.manualSeed(3);
  const [h, w] = [375, 500];
  const tfm = RandomResizedCrop(224, { minScale: 0.08, ratio: [3 / 4, 4 / 3] });
  let minArea = 1;
  let maxArea = 0;
  let minR = 10;
  let maxR = 0;
  for (let k = 0; k < 2000; k++) {
    const { top, left, height: nh, width: nw } = tfm.plan([3, h, w]).box;
    assert.ok(top >= 0 && left >= 0 && top + nh <= h && left + nw <= w, 'inside the image');
    // the drawn area and aspect, before rounding nw and nh to integers (each within 0.5)
    assert.ok((nw - 0.5) * (nh - 0.5) <= w * h && (nw + 0.5) * (nh + 0.5) >= 0.08 * w * h, `area ${nw}x${nh}`);
    assert.ok((nw - 0.5) / (nh + 0.5) <= 4 / 3 && (nw + 0.5) / (nh - 0.5) >= 3 / 4, `aspect ${nw}x${nh}`);
    minArea = Math.min(minArea, (nw * nh) / (w * h));
    maxArea = Math.max(maxArea, (nw * nh) / (w * h));
    minR = Math.min(minR, nw / nh);
    maxR = Math.max(maxR, nw / nh);
  }
  // the draws span the ranges (a fixed seed: these are facts about this sequence, not chance)
  assert.ok(minArea < 0.1 && maxArea > 0.9, `areas ${minArea}..${maxArea}`);
  assert.ok(minR < 0.77 && maxR > 1.3, `aspects ${minR}..${maxR}`);
});

test("Resize 'crop' training positions cover [0, w - box] (500 draws; the box is the full height)", () => {
  torch.manualSeed(5);
  const lefts = Array.from({ length: 500 }, () => {
    const { top, left, height, width } = Resize(224).plan([3, 375, 500]).box;
    assert.deepEqual([top, height, width], [0, 375, 375]);
    return left;
  });
  assert.ok(lefts.every((l) => Number.isInteger(l) && l >= 0 && l <= 125));
  assert.ok(Math.min(...lefts) <= 2 && Math.max(...lefts) >= 123, `${Math.min(...lefts)}..${Math.max(...lefts)}`);
});

test('RandomResizedCrop validation: the whole image resized to size + xtra, then the centre crop', () => {
  // xtra = ceil(224 * 0.14 / 8) * 8 = 32: resize to 256, crop 224 at 16
  const plan = RandomResizedCrop(224).plan([3, 375, 500], { split: 'valid' });
  assert.deepEqual(plan.box, { top: 0, left: 0, height: 375, width: 500 });
  assert.deepEqual(plan.resizeTo, [256, 256]);
  assert.deepEqual(plan.finalCrop, { top: 16, left: 16, height: 224, width: 224 });
  assert.deepEqual(RandomResizedCrop([5, 7], { valXtra: 0 }).plan([3, 9, 9], { split: 'valid' }).finalCrop, { top: 0, left: 0, height: 5, width: 7 });
});

test('validation is deterministic and draws nothing; training consumes the generator', () => {
  torch.tidy(() => {
    const img = u8(
      Array.from({ length: 3 * 30 * 40 }, (_, k) => (k * 37) % 256),
      [3, 30, 40],
    );
    const never: Rng = () => assert.fail('a validation call drew a number');
    for (const tfm of [
      Resize(16, { rng: never }),
      Resize(16, { method: 'pad', rng: never }),
      RandomResizedCrop(16, { rng: never }),
      CenterCrop(16),
    ]) {
      const a = tfm(img, { split: 'valid' });
      const b = tfm(img, { split: 'valid' });
      assert.ok(a.equal(b), tfm.name);
    }
    torch.manualSeed(11);
    const want = torch.rand([1], { dtype: 'float64' }).item();
    torch.manualSeed(11);
    Resize(16)(img, { split: 'valid' });
    RandomResizedCrop(16)(img, { split: 'valid' });
    assert.equal(torch.rand([1], { dtype: 'float64' }).item(), want, 'the generator did not move');
    torch.manualSeed(11);
    const t1 = RandomResizedCrop(16)(img);
    torch.manualSeed(11);
    assert.ok(RandomResizedCrop(16)(img).equal(t1), 'same seed, same crop');
  });
});

test("a call's rng supplies the draws of a transform made without one; a transform's own rng wins", () => {
  torch.tidy(() => {
    const img = u8(
      Array.from({ length: 3 * 30 * 40 }, (_, k) => (k * 37) % 256),
      [3, 30, 40],
    );
    // Resize(16) on 30x40 keeps a 30x30 box: the x draw 0.5 puts it at int(0.5 * 10) = 5
    torch.manualSeed(3);
    const want = torch.rand([1], { dtype: 'float64' }).item();
    torch.manualSeed(3);
    const call = scripted([0.5, 0.9]);
    assert.deepEqual(Resize(16).plan([3, 30, 40], { rng: call }).box, { top: 0, left: 5, height: 30, width: 30 });
    assert.equal(call.left(), 0);
    assert.equal(torch.rand([1], { dtype: 'float64' }).item(), want, "libtorch's generator did not move");
    const own = scripted([0, 0]);
    assert.deepEqual(Resize(16, { rng: own }).plan([3, 30, 40], { rng: () => assert.fail('the call rng was used') }).box.left, 0);
    assert.equal(own.left(), 0);
    const a = RandomResizedCrop(8)(img, { rng: scripted([0.3, 0.6, 0.2, 0.7]) });
    assert.ok(RandomResizedCrop(8, { rng: scripted([0.3, 0.6, 0.2, 0.7]) })(img).equal(a), 'the same draws, the same crop');
    assert.throws(() => Resize(4)(img, { rng: 3 as unknown as Rng }), /vision\.Resize: expected a function for options\.rng, got 3/);
  });
});

test('a TensorImage stays one through every transform; a plain tensor stays plain', () => {
  torch.tidy(() => {
    const img = ramp();
    const ti = img.as(TensorImage);
    for (const tfm of [Resize(4), Resize(4, { resample: 'pil' }), RandomResizedCrop(3), CenterCrop(5)]) {
      const a = tfm(ti, { split: 'valid' });
      const b = tfm(img, { split: 'valid' });
      assert.ok(a instanceof TensorImage, tfm.name);
      assert.ok(!(b instanceof TensorImage) && b.equal(a), tfm.name);
    }
  });
});

test('outputs are fresh tensors (never views of the input) and the transforms leak nothing', () => {
  torch.tidy(() => {
    const img = ramp();
    const copy = img.clone();
    const out = Resize([6, 8], { rng: scripted([0.3, 0.3]) })(img);
    out.zero_();
    assert.ok(img.equal(copy), 'a same-size Resize copies');
  });
  const img = ramp().keep();
  const before = liveTensors();
  const tfms = [
    Resize(4),
    Resize(4, { resample: 'pil' }),
    RandomResizedCrop(3, { resample: 'pil' }),
    Resize(5, { method: 'pad' }),
    Resize([3, 7], { method: 'squish' }),
    RandomResizedCrop(4),
    CenterCrop(9),
    ToTensor(),
  ];
  for (const tfm of tfms) {
    for (const split of ['train', 'valid'] as const) {
      tfm(img, { split }).dispose();
    }
  }
  const float = torch.ones([3, 4, 4]);
  assert.throws(() => Resize(4)(float), ArgumentError);
  float.dispose();
  assert.equal(liveTensors(), before);
  img.dispose();
});

test('ToTensor: a TensorImage as it is, a plain uint8 [C, H, W] as a TensorImage, [H, W] given a channel axis', () => {
  torch.tidy(() => {
    const img = ramp();
    const ti = ToTensor()(img);
    assert.ok(ti instanceof TensorImage && ti.equal(img));
    assert.equal(ToTensor()(ti), ti);
    const g = ToTensor()(u8([1, 2, 3, 4, 5, 6], [2, 3]));
    assert.ok(g instanceof TensorImage);
    assert.deepEqual(g.shape, [1, 2, 3]);
    assert.deepEqual(flat(g), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => ToTensor()(torch.ones([3, 2, 2])), /vision\.ToTensor: expected a uint8 image tensor \[C, H, W\] for img/);
  });
});

test('errors name the transform and the argument', () => {
  const img = ramp();
  assert.throws(() => Resize(0), /vision\.Resize: expected an integer >= 1 and <= 32768 for size, got 0/);
  assert.throws(() => Resize(4, { method: 'fit' as 'crop' }), /vision\.Resize: .*options\.method/);
  assert.throws(() => Resize(4, { rng: () => 1 })(img), /vision\.Resize: expected a function returning numbers in \[0, 1\) for options\.rng, got 1/);
  assert.throws(() => Resize(4)(img, { split: 'test' as 'train' }), /vision\.Resize: .*options\.split/);
  assert.throws(() => RandomResizedCrop(4, { ratio: [2, 1] }), /vision\.RandomResizedCrop: .*options\.ratio/);
  assert.throws(() => RandomResizedCrop(4, { minScale: 0 }), /vision\.RandomResizedCrop: .*options\.minScale/);
  assert.throws(() => CenterCrop([4] as unknown as number), /vision\.CenterCrop: .*size/);
  img.dispose();
});

test('timing: one Resize(224) crop of a 500x375 RGB uint8 image (median of 20, reported, not asserted)', (t) => {
  const img = torch.randint(0, 256, [3, 375, 500], { dtype: 'uint8' });
  for (const resample of ['torch', 'pil'] as const) {
    const tfm = Resize(224, { resample });
    const ms: number[] = [];
    for (let k = 0; k < 23; k++) {
      const t0 = performance.now();
      const out = tfm(img);
      ms.push(performance.now() - t0);
      assert.deepEqual(out.shape, [3, 224, 224]);
      out.dispose();
    }
    const runs = ms.slice(3).sort((a, b) => a - b);
    t.diagnostic(
      `Resize(224, { resample: '${resample}' }) crop of 3x375x500 uint8: median ${((runs[9]! + runs[10]!) / 2).toFixed(3)} ms of 20 (after 3 warm-up)`,
    );
  }
  img.dispose();
});
