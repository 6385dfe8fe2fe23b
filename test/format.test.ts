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
