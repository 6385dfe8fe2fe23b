// Autograd: gradients against PyTorch (fixtures/grads.json) and against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../src/index.js';
import { type Encoded, assertClose, assertMatches, fixture, fromEnc } from './helpers.js';

const F = torch.functional;
const fx = fixture<{ inputs: Record<string, Encoded>; cases: Record<string, { value: Encoded; grads: Record<string, Encoded> }> }>('grads.json');

const fns: Record<string, (v: Record<string, Tensor>) => Tensor> = {
  mul_exp_sum: ({ gx, gy }) => gx!.mul(gy!).add(gx!.exp()).sum(),
  linear_ce: ({ gx, gw, gb, gt }) => F.crossEntropy(F.linear(gx!, gw!, gb!), gt!),
  conv_pool: ({ cx, cwt }) =>
    F.maxPool2d(F.conv2d(cx!, cwt!, null, { stride: 1, padding: 1 }).relu(), 2)
      .pow(2)
      .mean(),
  tanh_softmax_norm: ({ gx, gy }) => gx!.tanh().softmax(1).mul(gy!).norm(),
  layer_norm_gelu: ({ gx }) => F.layerNorm(gx!, [4]).gelu().sum(),
  div_sqrt_where: ({ gx, gy }) => torch.where(gx!.gt(0), gx!.abs().sqrt().div(gy!.abs().add(1)), gx!.mul(0.5)).sum(),
};

function inputs(): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(fx.inputs).map(([k, e]) => [k, fromEnc(e, { requiresGrad: e.dtype === 'float64' })]));
}

for (const [name, c] of Object.entries(fx.cases)) {
  test(`backward of ${name} matches PyTorch`, () => {
    torch.tidy(() => {
      const v = inputs();
      const out = fns[name]!(v);
      assertMatches(out, c.value, `${name} value`, { rtol: 1e-10, atol: 1e-12 });
      out.backward();
      for (const [n, g] of Object.entries(c.grads)) assertMatches(v[n]!.grad!, g, `${name} d/d${n}`, { rtol: 1e-9, atol: 1e-12 });
    });
  });
  test(`torch.autograd.grad of ${name} matches PyTorch`, () => {
    torch.tidy(() => {
      const v = inputs();
      const names = Object.keys(c.grads);
      const gs = torch.autograd.grad(
        fns[name]!(v),
        names.map((n) => v[n]!),
      );
      names.forEach((n, k) => assertMatches(gs[k]!, c.grads[n]!, `${name} d/d${n}`, { rtol: 1e-9, atol: 1e-12 }));
      for (const n of names) assert.equal(v[n]!.grad, null, 'autograd.grad leaves .grad alone');
    });
  });
}

/** Central differences in float64: d f / d x[k] ~ (f(x + h e_k) - f(x - h e_k)) / 2h. */
function numericGrad(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): number[] {
  const base = Array.from(x.toTypedArray() as Float64Array);
  return base.map((_, k) =>
    torch.tidy(() => {
      const plus = base.slice();
      plus[k]! += h;
      const minus = base.slice();
      minus[k]! -= h;
      const fp = f(torch.tensor(plus, { dtype: 'float64' }).reshape([...x.shape])).item();
      const fm = f(torch.tensor(minus, { dtype: 'float64' }).reshape([...x.shape])).item();
      return (fp - fm) / (2 * h);
    }),
  );
}

const fdCases: Record<string, (x: Tensor) => Tensor> = {
  sigmoid_log: (x) => x.sigmoid().log().sum(),
  softplus_sq: (x) => x.softplus().square().mean(),
  logsumexp: (x) => x.logsumexp(1).sum(),
  matmul_self: (x) => x.matmul(x.t()).tanh().sum(),
  std_var: (x) => x.std(1).add(x.var(0).sum()).sum(),
  gather_cumsum: (x) =>
    x
      .cumsum(1)
      .gather(
        1,
        torch.tensor(
          [
            [0, 2],
            [1, 3],
            [3, 3],
          ],
          { dtype: 'int64' },
        ),
      )
      .pow(2)
      .sum(),
  silu_erf_div: (x) => x.silu().add(x.erf()).div(x.square().add(1)).sum(),
  index_cat: (x) =>
    torch
      .cat([x.index([torch.tensor([2, 0], { dtype: 'int64' })]), x.flip(1)], 0)
      .mul(torch.arange(4, { dtype: 'float64' }))
      .sum(),
};

for (const [name, f] of Object.entries(fdCases)) {
  test(`gradient of ${name} matches finite differences`, () => {
    torch.tidy(() => {
      torch.manualSeed(7);
      const x = torch.randn([3, 4], { dtype: 'float64' }).requiresGrad_();
      f(x).backward();
      const analytic = Array.from(x.grad!.toTypedArray() as Float64Array);
      const numeric = torch.noGrad(() => numericGrad(f, x.detach()));
      analytic.forEach((g, k) => assertClose(g, numeric[k]!, 1e-6, `${name} grad[${k}]`));
    });
  });
}

test('grad accumulates, can be set and cleared; retainGraph allows a second backward', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [4, 8, 12]);
    x.grad = torch.zeros(3);
    assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
    x.grad = null;
    assert.equal(x.grad, null);
    assert.throws(() => {
      x.grad = torch.zeros(4);
    }, /Tensor\.grad: .*shape \[3\].*shape \[4\]|assigned grad has shape/);
    const z = x.mul(2).sum();
    z.backward();
    assert.throws(() => z.backward(), /backward through the graph a second time/);
  });
});

test('non-scalar backward takes a gradient; retainGrad keeps an intermediate grad', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const y = h.square();
    assert.throws(() => y.backward(), /grad can be implicitly created only for scalar outputs/);
    y.backward(torch.tensor([1, 0.5]));
    assert.deepEqual(h.grad!.toArray(), [6, 6]);
    assert.deepEqual(x.grad!.toArray(), [18, 18]);
    assert.equal(x.isLeaf, true);
    assert.equal(h.isLeaf, false);
    assert.equal(h.gradFn, 'MulBackward0');
  });
});

test('noGrad and enableGrad switch tracking and restore it, also on throw and for async functions', async () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  assert.equal(torch.isGradEnabled(), true);
  const y = torch.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad, true);
  assert.throws(
    () =>
      torch.noGrad(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(torch.isGradEnabled(), true);
  const p = torch.noGrad(async () => {
    await new Promise((r) => setTimeout(r, 1));
    return torch.isGradEnabled();
  });
  assert.equal(await p, false);
  assert.equal(torch.isGradEnabled(), true);
  torch.dispose([x, y]);
});

test('detach cuts the graph; requiresGrad on integer tensors is refused', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    assert.equal(x.mul(2).detach().requiresGrad, false);
    assert.throws(
      () => torch.tensor([1, 2], { dtype: 'int64', requiresGrad: true }),
      /torch\.tensor: expected false for dtype int64 \(only floating-point tensors take gradients\) for opts\.requiresGrad, got true/,
    );
    assert.throws(() => torch.ones(2, { dtype: 'int64' }).requiresGrad_(), /only tensors of floating point/i);
  });
});
