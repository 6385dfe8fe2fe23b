// Making tensors, dtypes, properties, conversions and host reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, Tensor } from '../src/index.js';

test('tensor() from numbers, nested arrays, booleans, bigints and TypedArrays', () => {
  torch.tidy(() => {
    const s = torch.tensor(3.5);
    assert.deepEqual([...s.shape], []);
    assert.equal(s.item(), 3.5);
    const m = torch.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual([...m.shape], [2, 3]);
    assert.equal(m.dtype, 'float32');
    assert.deepEqual(m.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(torch.tensor([true, false]).dtype, 'bool');
    assert.deepEqual(torch.tensor([true, false]).toArray(), [true, false]);
    const big = torch.tensor([2n ** 60n, -3n]);
    assert.equal(big.dtype, 'int64');
    assert.deepEqual(Array.from(big.toTypedArray() as BigInt64Array), [2n ** 60n, -3n]);
    assert.equal(torch.tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(torch.tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(torch.tensor(new Uint8Array([1, 2])).dtype, 'uint8');
    assert.equal(torch.tensor([1, 2], { dtype: 'int64' }).dtype, 'int64');
    assert.equal(torch.tensor([1.7, -1.7], { dtype: 'int32' }).toArray().toString(), '1,-1');
    assert.deepEqual([...torch.tensor([]).shape], [0]);
    assert.deepEqual([...torch.tensor([[], []]).shape], [2, 0]);
    assert.deepEqual(torch.fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]).toArray(), [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });
});

test('every dtype round-trips through to() and reads back', () => {
  torch.tidy(() => {
    const vals = [0, 1, 2, 3, 100];
    for (const dtype of torch.DTYPES) {
      const t = torch.tensor(vals, { dtype });
      assert.equal(t.dtype, dtype);
      const back = Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
      assert.deepEqual(back, dtype === 'bool' ? vals.map((v) => (v ? 1 : 0)) : vals, dtype);
      assert.equal(t.to('float64').dtype, 'float64');
    }
    const x = torch.tensor([1.5]);
    assert.equal(x.double().dtype, 'float64');
    assert.equal(x.half().dtype, 'float16');
    assert.equal(x.bfloat16().dtype, 'bfloat16');
    assert.equal(x.long().dtype, 'int64');
    assert.equal(x.int().dtype, 'int32');
    assert.equal(x.bool().dtype, 'bool');
    assert.equal(x.to(torch.float64).dtype, 'float64');
    assert.equal(x.to('torch.int16').dtype, 'int16');
    assert.equal(x.to({ dtype: 'long' }).dtype, 'int64');
    assert.equal(x.to(torch.zeros(1, { dtype: 'float64' })).dtype, 'float64');
    assert.equal(x.cpu().device, 'cpu');
  });
});

test('factories: shapes, values and dtypes', () => {
  torch.tidy(() => {
    assert.deepEqual(torch.zeros([2, 3]).toArray(), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    assert.deepEqual(torch.ones(2, 2).toArray(), [
      [1, 1],
      [1, 1],
    ]);
    assert.deepEqual(torch.full([2], 7).toArray(), [7, 7]);
    assert.equal(torch.full([2], true).dtype, 'bool');
    assert.deepEqual([...torch.empty([4, 1]).shape], [4, 1]);
    assert.deepEqual(torch.arange(4).toArray(), [0, 1, 2, 3]);
    assert.equal(torch.arange(4).dtype, 'int64');
    assert.deepEqual(torch.arange(1, 2, 0.5).toArray(), [1, 1.5]);
    assert.deepEqual(torch.linspace(0, 1, 3).toArray(), [0, 0.5, 1]);
    assert.deepEqual(torch.eye(2).toArray(), [
      [1, 0],
      [0, 1],
    ]);
    const r = torch.rand([1000]);
    assert.ok(r.min().item() >= 0 && r.max().item() < 1);
    const n = torch.randn([10000]);
    assert.ok(Math.abs(n.mean().item()) < 0.05 && Math.abs(n.std().item() - 1) < 0.05);
    const ri = torch.randint(3, 7, [1000]);
    assert.equal(ri.dtype, 'int64');
    assert.ok(ri.min().item() >= 3 && ri.max().item() <= 6);
    assert.deepEqual(torch.randperm(6).sort().values.toArray(), [0, 1, 2, 3, 4, 5]);
    const like = torch.zeros([2, 2], { dtype: 'float64' });
    assert.equal(torch.zerosLike(like).dtype, 'float64');
    assert.deepEqual(torch.onesLike(like).toArray(), [
      [1, 1],
      [1, 1],
    ]);
    assert.deepEqual(torch.fullLike(like, 3).toArray(), [
      [3, 3],
      [3, 3],
    ]);
    assert.equal(torch.scalarTensor(2).ndim, 0);
    assert.equal(torch.zeros([2], { requiresGrad: true }).requiresGrad, true);
  });
});

test('properties: shape, ndim, numel, size, strides, contiguity', () => {
  torch.tidy(() => {
    const t = torch.zeros([2, 3, 4]);
    assert.deepEqual([...t.shape], [2, 3, 4]);
    assert.equal(t.ndim, 3);
    assert.equal(t.numel(), 24);
    assert.equal(t.size(-1), 4);
    assert.deepEqual(t.stride(), [12, 4, 1]);
    assert.equal(t.isContiguous(), true);
    const tt = t.transpose(0, 2);
    assert.equal(tt.isContiguous(), false);
    assert.equal(tt.contiguous().isContiguous(), true);
    assert.equal(t.device, 'cpu');
    assert.ok(Object.isFrozen(t.shape));
  });
});

test('toTypedArray is a zero-copy view for CPU contiguous tensors and a copy otherwise', () => {
  torch.tidy(() => {
    const t = torch.zeros([3]);
    const view = t.toTypedArray() as Float32Array;
    t.add_(1);
    assert.deepEqual(Array.from(view), [1, 1, 1], 'the view sees in-place updates');
    const g = torch.zeros([3], { requiresGrad: true });
    const copy = g.toTypedArray() as Float32Array;
    copy[0] = 5;
    assert.equal(g.sum().item(), 0, 'a tensor that requires grad is copied, not aliased');
    const nc = torch.arange(6, { dtype: 'float32' }).reshape(2, 3).t();
    assert.deepEqual(Array.from(nc.toTypedArray() as Float32Array), [0, 3, 1, 4, 2, 5]);
    assert.ok(torch.tensor([1.5], { dtype: 'float16' }).toTypedArray() instanceof Float32Array);
    t.dispose();
    assert.equal(view[0], 1, 'the view keeps its storage alive after dispose');
  });
});

test('item() reads numbers and booleans; more than one element is an error', () => {
  torch.tidy(() => {
    assert.equal(torch.tensor([2.25]).item(), 2.25);
    assert.equal(torch.tensor([7], { dtype: 'int64' }).item(), 7);
    assert.equal(torch.tensor([true]).item<boolean>(), true);
    assert.throws(() => torch.ones(2).item(), /a Tensor with 2 elements cannot be converted to Scalar/);
  });
});

test('views share storage with their base', () => {
  torch.tidy(() => {
    const t = torch.zeros([2, 2]);
    const row = t.select(0, 1);
    row.fill_(5);
    assert.deepEqual(t.toArray(), [
      [0, 0],
      [5, 5],
    ]);
    assert.ok(t.reshape(4) instanceof Tensor);
  });
});
