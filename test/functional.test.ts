// The nn building blocks against PyTorch's torch.nn.functional on the same inputs (fixtures/functional.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../src/index.js';
import { type Encoded, assertMatches, fixture, fromEnc } from './helpers.js';

const F = torch.functional;
const fx = fixture<{ inputs: Record<string, Encoded>; cases: Record<string, Encoded> }>('functional.json');
const I = Object.fromEntries(Object.entries(fx.inputs).map(([k, v]) => [k, fromEnc(v).keep()])) as Record<string, Tensor>;
const x4 = I.x4!,
  x3 = I.x3!,
  w2 = I.w2!,
  w1 = I.w1!,
  bias4 = I.bias4!,
  wt = I.wt!,
  logits = I.logits!,
  target = I.target!;
const probs = I.probs!,
  y = I.y!,
  pr = I.pr!,
  yb = I.yb!,
  cw = I.cw!,
  gamma = I.gamma!,
  beta = I.beta!;
const qq = I.qq!,
  kk = I.kk!,
  vv = I.vv!,
  amask = I.amask!;

// batch norm in training mode updates the running statistics in place: check all three from one call
const bnState = { rm: torch.zeros(3).keep(), rv: torch.ones(3).keep(), out: null as Tensor | null };
function bnTrain(): Tensor {
  bnState.out ??= F.batchNorm(x4, bnState.rm, bnState.rv, { weight: gamma, bias: beta, training: true, momentum: 0.1, eps: 1e-5 }).keep();
  return bnState.out;
}

const cases: Record<string, () => Tensor> = {
  linear: () => F.linear(logits, torch.full([2, 4], 0.5), torch.tensor([1, -1])),
  conv2d: () => F.conv2d(x4, w2, bias4, { stride: 2, padding: 1 }),
  conv2d_same: () => F.conv2d(x4, w2, null, { padding: 'same', dilation: 2 }),
  conv2d_groups: () => F.conv2d(x4.narrow(1, 0, 2), torch.ones(4, 1, 3, 3), null, { groups: 2 }),
  conv1d: () => F.conv1d(x3, w1, bias4, { stride: 1, padding: 2 }),
  conv_transpose2d: () => F.convTranspose2d(x4, wt, null, { stride: 2, padding: 1, outputPadding: 1 }),
  max_pool2d: () => F.maxPool2d(x4, 2),
  max_pool2d_s1p1: () => F.maxPool2d(x4, 3, { stride: 1, padding: 1 }),
  max_pool2d_ceil: () => F.maxPool2d(x4, 4, { stride: 3, ceilMode: true }),
  max_pool1d: () => F.maxPool1d(x3, 3, { stride: 2 }),
  avg_pool2d: () => F.avgPool2d(x4, 2),
  avg_pool2d_pad: () => F.avgPool2d(x4, 3, { stride: 2, padding: 1, countIncludePad: false }),
  avg_pool1d: () => F.avgPool1d(x3, 2),
  adaptive_avg_pool2d: () => F.adaptiveAvgPool2d(x4, [4, 3]),
  adaptive_max_pool2d: () => F.adaptiveMaxPool2d(x4, 2),
  adaptive_avg_pool1d: () => F.adaptiveAvgPool1d(x3, 3),
  batch_norm_train: bnTrain,
  batch_norm_rm: () => {
    bnTrain();
    return bnState.rm;
  },
  batch_norm_rv: () => {
    bnTrain();
    return bnState.rv;
  },
  batch_norm_eval: () => F.batchNorm(x4, torch.full([3], 0.5), torch.full([3], 2), { weight: gamma, bias: beta, training: false }),
  layer_norm: () => F.layerNorm(x3, [8], I.ln_w!, I.ln_b!),
  group_norm: () => F.groupNorm(x4, 3, gamma, beta),
  embedding: () => F.embedding(I.idx!, I.emb!),
  interp_nearest: () => F.interpolate(x4, { scaleFactor: 2, mode: 'nearest' }),
  interp_nearest_size: () => F.interpolate(x4, { size: [4, 9] }),
  interp_bilinear: () => F.interpolate(x4, { size: [9, 4], mode: 'bilinear', alignCorners: false }),
  interp_bilinear_ac: () => F.interpolate(x4, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
  pad_constant: () => F.pad(x4, [1, 2, 0, 1], 'constant', 0.5),
  pad_reflect: () => F.pad(x4, [2, 1, 1, 2], 'reflect'),
  pad_replicate: () => F.pad(x4, [1, 1, 2, 0], 'replicate'),
  pad_circular: () => F.pad(x4, [1, 2, 2, 1], 'circular'),
  cross_entropy: () => F.crossEntropy(logits, target),
  cross_entropy_w_ls: () => F.crossEntropy(logits, target, { weight: cw, labelSmoothing: 0.1 }),
  cross_entropy_ignore: () => F.crossEntropy(logits, torch.tensor([0, -100, 1, 1, -100], { dtype: 'int64' })),
  cross_entropy_none: () => F.crossEntropy(logits, target, { reduction: 'none' }),
  cross_entropy_probs: () => F.crossEntropy(logits, probs),
  nll: () => F.nllLoss(logits.logSoftmax(1), target, { reduction: 'sum' }),
  mse: () => F.mseLoss(y, logits),
  mse_none: () => F.mseLoss(y, logits, { reduction: 'none' }),
  l1: () => F.l1Loss(y, logits),
  smooth_l1: () => F.smoothL1Loss(y, logits, { beta: 0.5 }),
  huber: () => F.huberLoss(y, logits, { delta: 0.7 }),
  bce: () => F.binaryCrossEntropy(pr, yb),
  bce_w: () => F.binaryCrossEntropy(pr, yb, { weight: cw, reduction: 'sum' }),
  bce_logits: () => F.binaryCrossEntropyWithLogits(y, yb, { posWeight: cw }),
  kl_div: () => F.klDiv(logits.logSoftmax(1), probs, { reduction: 'sum' }),
  sdpa: () => F.scaledDotProductAttention(qq, kk, vv),
  sdpa_causal: () => F.scaledDotProductAttention(qq, kk, vv, { isCausal: true }),
  sdpa_mask: () => F.scaledDotProductAttention(qq, kk, vv, { attnMask: amask, scale: 0.3 }),
};

test('every fixture case has a Flint counterpart', () => {
  assert.deepEqual(
    Object.keys(fx.cases).filter((k) => !(k in cases)),
    [],
  );
});

for (const [name, fn] of Object.entries(cases)) {
  test(`functional ${name} matches PyTorch`, () => {
    torch.tidy(() => assertMatches(fn(), fx.cases[name]!, name, { rtol: 1e-4, atol: 1e-5 }));
  });
}

test('dropout zeroes about p of the values and rescales the rest; identity when not training', () => {
  torch.tidy(() => {
    torch.manualSeed(0);
    const x = torch.ones(100000);
    const d = F.dropout(x, 0.3, true);
    const zeros = d.eq(0).sum().item() / 100000;
    assert.ok(Math.abs(zeros - 0.3) < 0.01, `fraction zeroed ${zeros}`);
    assert.ok(d.maskedSelect(d.ne(0)).allclose(torch.full([1], 1 / 0.7)));
    assert.ok(F.dropout(x, 0.3, false).equal(x));
  });
});

test('bad options name the problem', () => {
  assert.throws(
    () => F.crossEntropy(logits, target, { reduction: 'avg' as never }),
    /torch\.functional\.crossEntropy: expected 'mean', 'sum' or 'none' for opts\.reduction, got "avg"/,
  );
  assert.throws(() => F.crossEntropy(logits, target, { reduction: 'toString' as never }), /for opts\.reduction, got "toString"/);
  assert.throws(
    () => F.conv2d(x4, w2, null, { stride: [1, 2, 3] }),
    /torch\.functional\.conv2d: expected a number or an array of 2 numbers for opts\.stride, got \[1, 2, 3\]/,
  );
  assert.throws(
    () => F.conv2d(x4, w2, null, { strides: 2 } as never),
    /torch\.functional\.conv2d: expected one of the options stride, padding, dilation, groups for opts\.strides/,
  );
  assert.throws(
    () => F.maxPool2d(x4, 2n as never),
    /torch\.functional\.maxPool2d: expected a number or an array of 2 numbers for kernelSize, got 2n \(a BigInt\)/,
  );
  assert.throws(
    () => F.interpolate(x3, { size: 4 }),
    /torch\.functional\.interpolate: expected a 4-d tensor \(N, C, H, W\) for input, got a tensor float32\[/,
  );
  assert.throws(() => F.interpolate(x4, {}), /exactly one of size and scaleFactor/);
  assert.throws(() => F.batchNorm(x4, null, null, null as never), /torch\.functional\.batchNorm: expected an options object for opts, got null/);
  assert.throws(() => F.dropout(x4, 1.5), /dropout probability must be in \[0, 1\]|dropout: expected .*\[0, 1\].*1\.5/);
});

test("gridSample and affineGrid equal PyTorch's grid_sample / affine_grid (every mode, padding and alignCorners)", () => {
  interface Sample {
    mode: 'bilinear' | 'nearest' | 'bicubic';
    paddingMode: 'zeros' | 'border' | 'reflection';
    y: number[];
    shape: number[];
  }
  const f = fixture<{
    x: number[];
    xShape: number[];
    theta: number[];
    cases: { alignCorners: boolean; grid: number[]; gridShape: number[]; samples: Sample[] }[];
  }>('grid/grid.json');
  torch.tidy(() => {
    const x = torch.tensor(f.x).reshape(f.xShape);
    const theta = torch.tensor(f.theta).reshape([2, 2, 3]);
    for (const c of f.cases) {
      const grid = torch.functional.affineGrid(theta, [2, 3, 3, 4], c.alignCorners);
      assert.deepEqual(grid.shape, c.gridShape);
      assert.ok(grid.allclose(torch.tensor(c.grid).reshape(c.gridShape), 1e-5, 1e-6), `affineGrid alignCorners ${c.alignCorners}`);
      for (const s of c.samples) {
        const y = torch.functional.gridSample(x, grid.mul(1.3), { mode: s.mode, paddingMode: s.paddingMode, alignCorners: c.alignCorners });
        assert.ok(y.allclose(torch.tensor(s.y).reshape(s.shape), 1e-4, 1e-5), `${s.mode} ${s.paddingMode} alignCorners ${c.alignCorners}`);
      }
    }
    assert.throws(
      () => torch.functional.gridSample(x, torch.zeros([2, 3, 3])),
      /torch.functional.gridSample: expected a tensor \(2, Ho, Wo, 2\) for grid/,
    );
    assert.throws(() => torch.functional.affineGrid(theta, [2, 3, 3]), /torch.functional.affineGrid: expected an array \[N, C, H, W\]/);
  });
});
