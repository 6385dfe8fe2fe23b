// Every tensor op against PyTorch's own results on the same inputs (fixtures/ops.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../src/index.js';
import { type Encoded, assertMatches, fixture, fromEnc } from './helpers.js';

const fx = fixture<{ inputs: Record<string, Encoded>; cases: Record<string, Encoded> }>('ops.json');
const I = Object.fromEntries(Object.entries(fx.inputs).map(([k, v]) => [k, fromEnc(v).keep()])) as Record<string, Tensor>;
const { a, b, c, p, i, m, q, w } = I as Record<'a' | 'b' | 'c' | 'p' | 'i' | 'm' | 'q' | 'w', Tensor>;
const L = (xs: number[]) => torch.tensor(xs, { dtype: 'int64' });

const cases: Record<string, () => Tensor> = {
  add: () => a.add(b),
  add_alpha: () => torch.add(a, c, 2),
  add_scalar: () => a.add(2.5),
  sub: () => a.sub(b),
  mul_bcast: () => a.mul(c),
  div: () => a.div(b),
  div_trunc: () => i.div(3, 'trunc'),
  div_floor: () => torch.div(i, 3, 'floor'),
  int_true_div: () => i.div(2),
  int_mul_int: () => i.mul(3),
  remainder: () => torch.remainder(i, 3),
  pow: () => p.pow(1.7),
  pow_t: () => p.pow(b.abs()),
  rpow: () => torch.pow(2, a),
  neg: () => a.neg(),
  abs: () => a.abs(),
  exp: () => a.exp(),
  log: () => p.log(),
  log1p: () => p.log1p(),
  log2: () => p.log2(),
  sqrt: () => p.sqrt(),
  rsqrt: () => p.rsqrt(),
  square: () => a.square(),
  sin: () => a.sin(),
  cos: () => a.cos(),
  tan: () => a.tan(),
  tanh: () => a.tanh(),
  sigmoid: () => a.sigmoid(),
  relu: () => a.relu(),
  gelu: () => a.gelu(),
  gelu_tanh: () => a.gelu('tanh'),
  silu: () => a.silu(),
  leaky_relu: () => a.leakyRelu(0.2),
  softplus: () => a.softplus(2, 20),
  softmax: () => a.softmax(1),
  log_softmax: () => a.logSoftmax(0),
  clamp: () => a.clamp(-0.5, 0.5),
  clamp_min_t: () => a.clamp(b),
  where: () => torch.where(m, a, b),
  where_scalar: () => torch.where(m, a, 0),
  where_method: () => a.where(m, b),
  lerp: () => torch.lerp(a, b, 0.3),
  floor: () => a.mul(3).floor(),
  ceil: () => a.mul(3).ceil(),
  round: () => a.mul(3).round(),
  sign: () => a.sign(),
  maximum: () => torch.maximum(a, b),
  minimum: () => torch.minimum(a, b),
  reciprocal: () => p.reciprocal(),
  erf: () => a.erf(),
  eq: () => i.eq(0),
  ne: () => i.ne(0),
  lt: () => a.lt(b),
  le: () => a.le(0),
  gt: () => a.gt(b),
  ge: () => a.ge(0),
  isnan: () => w.isnan(),
  isinf: () => w.isinf(),
  isfinite: () => w.isfinite(),
  logical_and: () => m.logicalAnd(b.gt(0)),
  logical_or: () => m.logicalOr(b.gt(0)),
  logical_not: () => m.logicalNot(),
  sum: () => a.sum(),
  sum_dim: () => a.sum(1),
  sum_keep: () => a.sum([0, 1], true),
  mean_dim: () => a.mean(0, true),
  max: () => a.max(),
  max_dim_values: () => a.max(1).values,
  max_dim_indices: () => a.max(1)[1],
  min_dim_values: () => a.min(0).values,
  amax: () => q.amax([0, 2]),
  amin: () => q.amin(1),
  argmax: () => a.argmax(1),
  argmin: () => a.argmin(0),
  argmax_all: () => a.argmax(),
  std: () => a.std(),
  std_dim_biased: () => a.std(1, false),
  var_dim: () => a.var(0),
  prod_dim: () => a.prod(1),
  logsumexp: () => a.logsumexp(1),
  all_dim: () => m.all(1),
  any_dim: () => m.any(1),
  norm: () => a.norm(),
  norm_p1_dim: () => a.norm(1, 1),
  norm_inf: () => a.norm(Infinity),
  cumsum: () => a.cumsum(1),
  cumprod: () => a.cumprod(0),
  topk_values: () => a.topk(2, 1).values,
  topk_indices: () => a.topk(2, 1).indices,
  sort_desc_values: () => a.sort(1, true).values,
  argsort: () => a.argsort(1),
  median: () => a.median(),
  unique: () => torch.unique(i),
  unique_inverse: () => i.unique({ returnInverse: true }).inverse!,
  unique_counts: () => i.unique({ returnCounts: true }).counts!,
  bincount: () => i.add(5).flatten().bincount(null, 12),
  bincount_w: () => i.add(5).flatten().bincount(a.flatten()),
  reshape: () => a.reshape(4, 3),
  flatten: () => q.flatten(1),
  unflatten: () => q.unflatten(2, [2, 2]),
  squeeze: () => a.unsqueeze(1).squeeze(1),
  unsqueeze: () => c.unsqueeze(0),
  permute: () => q.permute(2, 0, 1),
  transpose: () => q.transpose(0, 2),
  t: () => a.t(),
  expand: () => c.expand(3, 4),
  repeat: () => c.repeat(2, 1),
  narrow: () => a.narrow(1, 1, 2),
  select: () => a.select(0, 1),
  slice_step: () => a.slice(1, 0, 4, 2),
  index_int: () => a.index([L([2, 0])]),
  index_bool: () => a.index([m]),
  index_2d: () => a.index([L([0, 2]), L([1, 3])]),
  index_select: () => a.indexSelect(1, L([3, 1])),
  masked_select: () => a.maskedSelect(m),
  masked_fill: () => a.maskedFill(m, -1),
  gather: () =>
    a.gather(
      1,
      torch.tensor(
        [
          [0, 1],
          [2, 3],
          [1, 1],
        ],
        { dtype: 'int64' },
      ),
    ),
  scatter: () => torch.zeros(3, 4).scatter(1, torch.tensor([[0], [2], [3]], { dtype: 'int64' }), 5),
  scatter_add: () =>
    torch.zeros(3, 4).scatterAdd(
      1,
      torch.tensor(
        [
          [0, 0],
          [2, 1],
          [3, 3],
        ],
        { dtype: 'int64' },
      ),
      torch.ones(3, 2),
    ),
  cat: () => torch.cat([a, b], 0),
  cat1: () => torch.cat([a, b], 1),
  stack: () => torch.stack([a, b], 1),
  split_1: () => a.split([1, 3], 1)[1]!,
  chunk_1: () => a.chunk(2, 1)[1]!,
  flip: () => a.flip(0, 1),
  roll: () => a.roll(1, 1),
  tril: () => a.tril(),
  triu: () => a.triu(1),
  matmul: () => a.matmul(b.t()),
  mm: () => torch.mm(a, b.t()),
  bmm: () => torch.bmm(q, q.transpose(1, 2)),
  addmm: () => torch.addmm(c, a, b.t().matmul(torch.ones(3, 4)), { beta: 0.5, alpha: 2 }),
  outer: () => torch.outer(c, c),
  einsum: () => torch.einsum('ij,kj->ik', a, b),
  baddbmm: () => torch.baddbmm(torch.ones(2, 3, 3), q, q.transpose(1, 2), { beta: 0.5, alpha: 2 }),
  arange: () => torch.arange(0, 1, 0.25),
  arange_int: () => torch.arange(5),
  linspace: () => torch.linspace(0, 1, 5),
  eye: () => torch.eye(3, 4),
};

test('every fixture case has a Flint counterpart', () => {
  assert.deepEqual(
    Object.keys(fx.cases).filter((k) => !(k in cases)),
    [],
  );
});

for (const [name, fn] of Object.entries(cases)) {
  test(`op ${name} matches PyTorch`, () => {
    torch.tidy(() => {
      assertMatches(fn(), fx.cases[name === 'where_method' ? 'where' : name]!, name);
    });
  });
}

test('in-place ops update the tensor and return it', () => {
  torch.tidy(() => {
    const x = a.clone();
    assert.equal(x.add_(b, 2).sub_(b).mul_(2).div_(2), x);
    assert.ok(x.allclose(a.add(b)));
    const y = torch.zeros(3, 4).addcmul_(a, b, 0.5).addcdiv_(a, p, 2);
    assert.ok(y.allclose(a.mul(b).mul(0.5).add(a.div(p).mul(2)), 1e-5, 1e-6));
    const z = a.clone().lerp_(b, 0.25).clamp_(-0.1, 0.1);
    assert.ok(z.allclose(torch.lerp(a, b, 0.25).clamp(-0.1, 0.1)));
    assert.equal(torch.ones(2).fill_(3).zero_().sum().item(), 0);
    assert.ok(torch.empty(3, 4).copy_(a).equal(a));
    assert.ok(p.clone().sqrt_().allclose(p.sqrt()));
    const u = torch.empty(1000).uniform_(2, 3);
    assert.ok(u.min().item() >= 2 && u.max().item() < 3);
    const n = torch.empty(20000).normal_(1, 2);
    assert.ok(Math.abs(n.mean().item() - 1) < 0.1 && Math.abs(n.std().item() - 2) < 0.1);
  });
});

test('scalar operands do not promote the tensor dtype (PyTorch wrapped-number rule)', () => {
  torch.tidy(() => {
    assert.equal(torch.ones(2).mul(2).dtype, 'float32');
    assert.equal(torch.ones(2, { dtype: 'float16' }).add(1.5).dtype, 'float16');
    assert.equal(torch.ones(2, { dtype: 'int32' }).mul(2).dtype, 'int32');
    assert.equal(torch.ones(2, { dtype: 'int32' }).mul(2.5).dtype, 'float32');
    assert.equal(torch.ones(2, { dtype: 'int64' }).add(torch.ones(2)).dtype, 'float32');
  });
});

test('max/min/sort/topk read as pairs both ways', () => {
  torch.tidy(() => {
    const [v, idx] = a.max(1);
    assert.ok(v!.equal(a.max(1).values) && idx!.equal(a.max(1).indices));
    assert.deepEqual(a.sort(1).indices.toArray(), a.argsort(1).toArray());
  });
});

test("logit: PyTorch's values, with and without eps (float32, PyTorch 1.13)", () => {
  torch.tidy(() => {
    const p = torch.tensor([0, 0.25, 0.5, 0.9, 1]);
    // torch.logit(p, eps=1e-6).tolist(); 1 - 1e-6 rounds to 0.99999898 in float32, hence 13.8023 at the top
    const want = [-13.815509796142578, -1.0986123085021973, 0, 2.1972243785858154, 13.80231761932373];
    Array.from(p.logit(1e-6).toTypedArray() as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `${i}: ${v}`));
    assert.deepEqual(Array.from(torch.logit(p).toTypedArray() as Float32Array), [-Infinity, -1.0986123085021973, 0, 2.1972243785858154, Infinity]);
    // the inverse of sigmoid
    const x = torch.tensor([-3, -0.5, 0, 2]);
    assert.ok(x.sigmoid().logit().allclose(x, 1e-5, 1e-6));
    assert.throws(() => p.logit(0.7), /Tensor.logit: expected a finite number >= 0 and <= 0.5 for eps, got 0.7/);
  });
});

test("histc: PyTorch's histogram (equal bins over [min, max], max in the last bin, values outside left out)", () => {
  // torch.histc(torch.tensor([1., 2., 1., 3., -1., 3.5]), 4, 0, 3) == [0., 2., 1., 1.] (PyTorch 1.13)
  const h = torch.tensor([1, 2, 1, 3, -1, 3.5]).histc(4, 0, 3);
  assert.deepEqual([...h.toTypedArray()], [0, 2, 1, 1]);
  // min = max = 0: the tensor's own range
  assert.deepEqual([...torch.histc(torch.tensor([2, 4, 4, 6]), 2).toTypedArray()], [1, 3]);
  assert.throws(() => torch.tensor([1]).histc(3, 2, 1), /Tensor.histc: expected a number >= min \(2\) for max, got 1/);
  assert.throws(() => torch.tensor([1]).histc(0), /Tensor.histc: expected an integer >= 1/);
  torch.dispose(h);
});
