// nn layers and losses against PyTorch (fixtures/nn.json): seeded initial weights, outputs, gradients,
// running statistics and printouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, torch, type Tensor } from '../src/index.js';
import { type Encoded, assertMatches, fixture, fromEnc } from './helpers.js';

interface LayerCase {
  initial: Record<string, Encoded>;
  input: Encoded;
  output: Encoded;
  g?: Encoded;
  grads?: Record<string, Encoded>;
  inputGrad?: Encoded | null;
  after?: Record<string, Encoded>;
  repr: string;
}
interface LossCase {
  input: Encoded;
  target: Encoded;
  output: Encoded;
  inputGrad: Encoded;
  repr: string;
}
const fx = fixture<{ seed: number; layers: Record<string, LayerCase>; losses: Record<string, LossCase>; weights: Record<string, Encoded> }>(
  'nn.json',
);
const TOL = { rtol: 1e-5, atol: 1e-6 };

const layers: Record<string, () => nn.Module> = {
  linear: () => new nn.Linear(5, 3),
  linear_nobias: () => new nn.Linear(5, 3, { bias: false }),
  conv1d: () => new nn.Conv1d(3, 4, 3, { stride: 2, padding: 1 }),
  conv2d: () => new nn.Conv2d(3, 4, [3, 2], { stride: [2, 1], padding: 1 }),
  conv2d_same: () => new nn.Conv2d(2, 3, 3, { padding: 'same', dilation: 2, bias: false }),
  conv2d_groups: () => new nn.Conv2d(4, 6, 3, { groups: 2 }),
  conv_transpose2d: () => new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  batchnorm1d: () => new nn.BatchNorm1d(4),
  batchnorm1d_3d: () => new nn.BatchNorm1d(3),
  batchnorm2d: () => new nn.BatchNorm2d(3),
  batchnorm2d_cumulative: () => new nn.BatchNorm2d(3, { momentum: null }),
  layernorm: () => new nn.LayerNorm(4),
  layernorm_2d: () => new nn.LayerNorm([3, 4], { eps: 1e-3 }),
  groupnorm: () => new nn.GroupNorm(2, 4),
  embedding: () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
  dropout: () => new nn.Dropout(0.3),
  relu: () => new nn.ReLU(),
  leaky_relu: () => new nn.LeakyReLU(0.2),
  gelu_tanh: () => new nn.GELU('tanh'),
  silu: () => new nn.SiLU(),
  mish: () => new nn.Mish(),
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  hardswish: () => new nn.Hardswish(),
  softmax: () => new nn.Softmax(1),
  log_softmax: () => new nn.LogSoftmax(1),
  maxpool2d: () => new nn.MaxPool2d(2),
  maxpool2d_pad: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  avgpool2d: () => new nn.AvgPool2d(2),
  adaptive_avgpool2d: () => new nn.AdaptiveAvgPool2d([2, 3]),
  adaptive_maxpool2d: () => new nn.AdaptiveMaxPool2d(2),
  flatten: () => new nn.Flatten(),
  unflatten: () => new nn.Unflatten(1, [2, 3]),
  identity: () => new nn.Identity(),
  sequential: () =>
    new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(),
      new nn.Linear(4, 3),
    ),
};

function assertState(actual: Record<string, Tensor>, expected: Record<string, Encoded>, what: string, tol = TOL): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: state-dict keys`);
  for (const [k, e] of Object.entries(expected)) assertMatches(actual[k]!, e, `${what} ${k}`, tol);
}

test('every layer fixture has a Flint counterpart', () => {
  assert.deepEqual(
    Object.keys(fx.layers).filter((k) => !(k in layers) && k !== 'batchnorm2d_eval'),
    [],
  );
});

for (const [name, make] of Object.entries(layers)) {
  const c = fx.layers[name]!;
  test(`nn layer ${name}: seeded init, forward, gradients, state and printout match PyTorch`, () => {
    torch.tidy(() => {
      torch.manualSeed(fx.seed);
      const m = make();
      assertState(m.stateDict(), c.initial, `${name} initial`, { rtol: 1e-6, atol: 1e-7 });
      const isFloat = c.input.dtype.startsWith('float');
      const x = fromEnc(c.input, { requiresGrad: isFloat });
      torch.manualSeed(fx.seed + 2);
      const y = m.call(x);
      assertMatches(y, c.output, `${name} output`, TOL);
      y.mul(fromEnc(c.g!)).sum().backward();
      const params = new Map(m.namedParameters());
      for (const [k, g] of Object.entries(c.grads!)) assertMatches(params.get(k)!.grad!, g, `${name} grad ${k}`, TOL);
      if (c.inputGrad) assertMatches(x.grad!, c.inputGrad, `${name} input grad`, TOL);
      assertState(m.stateDict(), c.after!, `${name} state after forward`);
      assert.equal(m.toString(), c.repr);
      m.dispose();
    });
  });
}

test('BatchNorm2d in eval mode uses its running statistics', () => {
  torch.tidy(() => {
    const c = fx.layers.batchnorm2d_eval!;
    const bn = new nn.BatchNorm2d(3);
    bn.loadStateDict(Object.fromEntries(Object.entries(c.initial).map(([k, e]) => [k, fromEnc(e)])));
    bn.eval();
    assertMatches(bn.call(fromEnc(c.input)), c.output, 'batchnorm eval', TOL);
    assert.equal(bn.numBatchesTracked!.item(), 0, 'eval does not count batches');
    bn.dispose();
  });
});

const losses: Record<string, () => nn.Module> = {
  cross_entropy: () => new nn.CrossEntropyLoss({ weight: fromEnc(fx.weights.cw!), labelSmoothing: 0.1 }),
  cross_entropy_ignore: () => new nn.CrossEntropyLoss({ ignoreIndex: 1, reduction: 'sum' }),
  nll: () => new nn.NLLLoss({ ignoreIndex: 1 }),
  mse_sum: () => new nn.MSELoss({ reduction: 'sum' }),
  l1: () => new nn.L1Loss(),
  smooth_l1: () => new nn.SmoothL1Loss({ beta: 0.5 }),
  huber: () => new nn.HuberLoss({ delta: 2 }),
  bce: () => new nn.BCELoss(),
  bce_logits: () => new nn.BCEWithLogitsLoss({ posWeight: fromEnc(fx.weights.cw!) }),
  kl_div_batchmean: () => new nn.KLDivLoss({ reduction: 'batchmean' }),
};

for (const [name, make] of Object.entries(losses)) {
  const c = fx.losses[name]!;
  test(`nn loss ${name}: value and gradient match PyTorch`, () => {
    torch.tidy(() => {
      const loss = make();
      const x = fromEnc(c.input, { requiresGrad: true });
      const out = loss.call(x, fromEnc(c.target));
      assertMatches(out, c.output, `${name} value`, TOL);
      out.backward();
      assertMatches(x.grad!, c.inputGrad, `${name} input grad`, TOL);
      assert.equal(loss.toString(), c.repr);
    });
  });
}

interface ComplexCase {
  initial: Record<string, Encoded>;
  inputs: Encoded[];
  outputs: Encoded[];
  gs: Encoded[];
  grads: Record<string, Encoded>;
  inputGrads: (Encoded | null)[];
  after: Record<string, Encoded>;
  repr: string;
}
const complexFx = (fx as unknown as { complex: Record<string, ComplexCase> }).complex;
const mask = (rows: boolean[][]) => torch.tensor(rows);
const complexLayers: Record<string, [() => nn.Module, (m: nn.Module, x: Tensor[]) => Tensor[]]> = {
  lstm: [
    () => new nn.LSTM(4, 5, { numLayers: 2, bidirectional: true, batchFirst: true }),
    (m, x) => {
      const [o, [h, c]] = (m as nn.LSTM).call(x[0]!);
      return [o, h, c];
    },
  ],
  lstm_unbatched: [
    () => new nn.LSTM(3, 2),
    (m, x) => {
      const [o, [h, c]] = (m as nn.LSTM).call(x[0]!);
      return [o, h, c];
    },
  ],
  lstm_hx: [
    () => new nn.LSTM(3, 4),
    (m, x) => {
      const [o, [h, c]] = (m as nn.LSTM).call(x[0]!, [x[1]!, x[2]!]);
      return [o, h, c];
    },
  ],
  gru: [() => new nn.GRU(4, 3, { numLayers: 2 }), (m, x) => (m as nn.GRU).call(x[0]!)],
  gru_bf_bias_off: [() => new nn.GRU(2, 3, { bias: false, batchFirst: true, bidirectional: true }), (m, x) => (m as nn.GRU).call(x[0]!)],
  mha_self_masks: [
    () => new nn.MultiheadAttention(8, 2),
    (m, x) => {
      const kpm = mask([
        [false, false, false, false, false],
        [false, false, false, true, true],
        [false, true, false, false, false],
      ]);
      const causal = torch.ones([5, 5], { dtype: 'bool' }).triu(1);
      const [o, w] = (m as nn.MultiheadAttention).call(x[0]!, x[0]!, x[0]!, { keyPaddingMask: kpm, attnMask: causal });
      return [o, w!];
    },
  ],
  mha_cross_batch_first: [
    () => new nn.MultiheadAttention(6, 3, { batchFirst: true, bias: false }),
    (m, x) => {
      const [o, w] = (m as nn.MultiheadAttention).call(x[0]!, x[1]!, x[1]!, { averageAttnWeights: false });
      return [o, w!];
    },
  ],
  transformer_post: [
    () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }),
    (m, x) => [(m as nn.TransformerEncoderLayer).call(x[0]!)],
  ],
  transformer_pre_gelu: [
    () => new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 16, dropout: 0, activation: 'gelu', normFirst: true, batchFirst: true }),
    (m, x) => [
      (m as nn.TransformerEncoderLayer).call(x[0]!, {
        srcKeyPaddingMask: mask([
          [false, false, false, false, false],
          [false, false, false, false, true],
          [false, false, false, false, false],
        ]),
      }),
    ],
  ],
  bilinear: [() => new nn.Bilinear(3, 4, 2), (m, x) => [(m as nn.Bilinear).call(x[0]!, x[1]!)]],
  instancenorm_affine: [() => new nn.InstanceNorm2d(3, { affine: true }), (m, x) => [(m as nn.InstanceNorm2d).call(x[0]!)]],
  instancenorm_tracked: [() => new nn.InstanceNorm2d(3, { trackRunningStats: true }), (m, x) => [(m as nn.InstanceNorm2d).call(x[0]!)]],
  dropout2d: [() => new nn.Dropout2d(0.5), (m, x) => [(m as nn.Dropout2d).call(x[0]!)]],
  embeddingbag_sum_2d: [() => new nn.EmbeddingBag(10, 3, { mode: 'sum' }), (m, x) => [(m as nn.EmbeddingBag).call(x[0]!)]],
  embeddingbag_max_offsets: [() => new nn.EmbeddingBag(10, 3, { mode: 'max' }), (m, x) => [(m as nn.EmbeddingBag).call(x[0]!, x[1]!)]],
  embeddingbag_mean_padding: [() => new nn.EmbeddingBag(10, 3, { mode: 'mean', paddingIdx: 0 }), (m, x) => [(m as nn.EmbeddingBag).call(x[0]!)]],
};

test('every multi-input layer fixture has a Flint counterpart', () => {
  assert.deepEqual(
    Object.keys(complexFx).filter((k) => !(k in complexLayers)),
    [],
  );
});

for (const [name, [make, run]] of Object.entries(complexLayers)) {
  const c = complexFx[name]!;
  test(`nn layer ${name}: seeded init, outputs, gradients, state and printout match PyTorch`, () => {
    torch.tidy(() => {
      torch.manualSeed(fx.seed);
      const m = make();
      assertState(m.stateDict(), c.initial, `${name} initial`, { rtol: 1e-6, atol: 1e-7 });
      const xs = c.inputs.map((e) => fromEnc(e, { requiresGrad: e.dtype.startsWith('float') }));
      torch.manualSeed(fx.seed + 2);
      const outs = run(m, xs);
      outs.forEach((o, i) => assertMatches(o, c.outputs[i]!, `${name} output ${i}`, { rtol: 1e-5, atol: 2e-6 }));
      outs
        .map((o, i) => o.mul(fromEnc(c.gs[i]!)).sum())
        .reduce((a, b) => a.add(b))
        .backward();
      const params = new Map(m.namedParameters());
      for (const [k, g] of Object.entries(c.grads)) assertMatches(params.get(k)!.grad!, g, `${name} grad ${k}`, { rtol: 1e-5, atol: 2e-6 });
      c.inputGrads.forEach((g, i) => {
        if (g) assertMatches(xs[i]!.grad!, g, `${name} input ${i} grad`, { rtol: 1e-5, atol: 2e-6 });
      });
      assertState(m.stateDict(), c.after, `${name} state after`);
      assert.equal(m.toString(), c.repr);
      m.dispose();
    });
  });
}

const flatFx = (fx as unknown as { flat: Record<string, LossCase> }).flat;
const flatLosses: Record<string, () => nn.CrossEntropyLossFlat | nn.BCEWithLogitsLossFlat | nn.MSELossFlat> = {
  ce_flat_axis1: () => new nn.CrossEntropyLossFlat({ axis: 1 }),
  bce_flat: () => new nn.BCEWithLogitsLossFlat(),
  mse_flat: () => new nn.MSELossFlat(),
};
for (const [name, make] of Object.entries(flatLosses)) {
  test(`fastai flattened loss ${name}: value and gradient match the written-out computation`, () => {
    torch.tidy(() => {
      const c = flatFx[name]!;
      const x = fromEnc(c.input, { requiresGrad: true });
      const out = make().call(x, fromEnc(c.target));
      assertMatches(out, c.output, `${name} value`, TOL);
      out.backward();
      assertMatches(x.grad!, c.inputGrad, `${name} input grad`, TOL);
    });
  });
}

test('flattened losses: activation, decodes and printout', () => {
  torch.tidy(() => {
    const ce = new nn.CrossEntropyLossFlat({ axis: 1 });
    const logits = torch.tensor([[[2.0]], [[0.5]], [[-1.0]]]).reshape(1, 3, 1, 1);
    assert.ok(
      ce
        .activation(logits)
        .sum(1)
        .allclose(torch.ones([1, 1, 1])),
    );
    assert.deepEqual(ce.decodes(logits).toArray(), [[[0]]]);
    assert.equal(String(ce), 'FlattenedLoss of CrossEntropyLoss()');
    const bce = new nn.BCEWithLogitsLossFlat({ thresh: 0.7 });
    assert.deepEqual(bce.decodes(torch.tensor([0.6, 0.8])).toArray(), [false, true]);
    assert.throws(
      () => new nn.BCEWithLogitsLossFlat({ posWeight: torch.ones([2]), flatten: true }),
      /nn.BCEWithLogitsLossFlat: .*flatten must be false with posWeight/,
    );
    assert.ok(new nn.MSELossFlat().activation(logits).equal(logits));
  });
});

test('recurrent and attention layers check their inputs', () => {
  torch.tidy(() => {
    assert.throws(() => new nn.LSTM(3, 4).call(torch.zeros([5, 2, 2])), {
      name: 'ArgumentError',
      message: 'nn.LSTM: expected 3 features (inputSize) in the last dimension for input, got a tensor float32[5, 2, 2]',
    });
    assert.throws(
      () => new nn.GRU(3, 4).call(torch.zeros([5, 2, 3]), torch.zeros([2, 2, 4])),
      /nn.GRU: expected a tensor of shape \[1, 2, 4\] for h0, got a tensor float32\[2, 2, 4\]/,
    );
    // an hx that is not [h0, c0] (issue 8: it read 'shape' of undefined)
    assert.throws(
      () => new nn.LSTM(3, 4).call(torch.zeros([5, 2, 3]), [torch.zeros([1, 2, 4])] as never),
      /nn.LSTM: expected an array \[h0, c0\] of two tensors for hx, got \[a tensor float32\[1, 2, 4\]\]/,
    );
    assert.throws(() => new nn.MultiheadAttention(6, 4), /nn.MultiheadAttention: expected a divisor of embedDim \(6\) for numHeads, got 4/);
    assert.throws(
      () => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }),
      /nn.TransformerEncoderLayer: expected one of 'relu', 'gelu' for activation, got "tanh"/,
    );
    // masks of the wrong shape are named with the shapes expected (issue 8: the error named 'reshape')
    const mha = new nn.MultiheadAttention(4, 2);
    const q = torch.randn([3, 2, 4]);
    const kv = torch.randn([5, 2, 4]);
    assert.throws(
      () => mha.call(q, kv, kv, { attnMask: torch.zeros([3, 4], { dtype: 'bool' }) }),
      /nn.MultiheadAttention: expected a bool or float tensor of shape \[3, 5\] or \[4, 3, 5\] for attnMask, got a tensor bool\[3, 4\]/,
    );
    assert.throws(
      () => mha.call(q, kv, kv, { keyPaddingMask: torch.zeros([5, 2], { dtype: 'bool' }) }),
      /nn.MultiheadAttention: expected a bool or float tensor of shape \[2, 5\] for keyPaddingMask, got a tensor bool\[5, 2\]/,
    );
    mha.dispose();
  });
});

test('AdaptiveConcatPool2d: adaptive max then average pooling, concatenated along channels (fastai)', () => {
  torch.tidy(() => {
    const x = torch.arange(0, 32).reshape([1, 2, 4, 4]).float();
    const y = new nn.AdaptiveConcatPool2d().call(x) as Tensor;
    assert.deepEqual(y.shape, [1, 4, 1, 1]);
    // channel 0: 0..15 (max 15, mean 7.5); channel 1: 16..31 (max 31, mean 23.5)
    assert.deepEqual([...y.flatten().toTypedArray()], [15, 31, 7.5, 23.5]);
  });
});
