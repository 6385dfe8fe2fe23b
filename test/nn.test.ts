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
interface LossCase { input: Encoded; target: Encoded; output: Encoded; inputGrad: Encoded; repr: string }
const fx = fixture<{ seed: number; layers: Record<string, LayerCase>; losses: Record<string, LossCase>; weights: Record<string, Encoded> }>('nn.json');
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
  sequential: () => new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 3)),
};

function assertState(actual: Record<string, Tensor>, expected: Record<string, Encoded>, what: string, tol = TOL): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: state-dict keys`);
  for (const [k, e] of Object.entries(expected)) assertMatches(actual[k]!, e, `${what} ${k}`, tol);
}

test('every layer fixture has a Flint counterpart', () => {
  assert.deepEqual(Object.keys(fx.layers).filter((k) => !(k in layers) && k !== 'batchnorm2d_eval'), []);
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
