// Printing: Flint's toString() is character for character PyTorch's str() (fixtures/format.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch } from '../src/index.js';
import { type Encoded, fixture, fromEnc } from './helpers.js';

const fx = fixture<Record<string, { input: Encoded; str: string; requiresGrad?: boolean }>>('format.json');

for (const [name, c] of Object.entries(fx)) {
  test(`prints ${name} like PyTorch`, () => {
    torch.tidy(() => {
      const t = fromEnc(c.input, { requiresGrad: c.requiresGrad });
      assert.equal(t.toString(), c.str);
    });
  });
}

test('a result of an op shows its grad_fn; a disposed tensor says so', () => {
  const x = torch.tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  assert.equal(String(y), 'tensor([2., 4.], grad_fn=<MulBackward0>)');
  y.dispose();
  assert.equal(String(y), 'tensor(<disposed>)');
  x.dispose();
});

test('a summarized print, made from the edges alone, is exactly the print made from every value', async () => {
  const { formatTensor } = await import('../src/torch/format.js');
  torch.tidy(() => {
    const shapes = [[1500], [40, 50], [3, 400, 5], [7, 8, 9, 10], [2, 1001]];
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      for (const t of [
        torch.arange(n, { dtype: 'float32' }).reshape(shape).div(7),
        torch.arange(n).reshape(shape),
        torch.arange(n).reshape(shape).remainder(3).eq(0),
        torch.randn([n / shape[0]!, shape[0]!]).t(),
      ]) {
        // (the last one is a transposed, non-contiguous view) the same tensor behind an object without _edges:
        // the printer then reads every value
        const all = {
          shape: t.shape,
          dtype: t.dtype,
          device: t.device,
          requiresGrad: t.requiresGrad,
          gradFn: t.gradFn,
          numel: () => t.numel(),
          toTypedArray: () => t.toTypedArray(),
        };
        assert.equal(t.toString(), formatTensor(all), `${t.dtype}[${t.shape.join(', ')}]`);
      }
    }
    // 3e7 values: one host read (of the 18 printed)
    const big = torch.full([3, 10_000_000], 7, { dtype: 'uint8' });
    const reads = torch.hostReads();
    assert.equal(
      big.toString(),
      'tensor([[7, 7, 7,  ..., 7, 7, 7],\n        [7, 7, 7,  ..., 7, 7, 7],\n        [7, 7, 7,  ..., 7, 7, 7]], dtype=torch.uint8)',
    );
    assert.equal(torch.hostReads() - reads, 1);
  });
});
