// Deterministic memory: scopes, dispose, keep, `using`, the GC backstop, and a 2,000-step training run
// whose live tensor count and RSS stay flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../src/index.js';
import { gc } from './helpers.js';

const live = () => torch.memory().liveTensors;

test('tidy frees what it does not return; returned tensors move to the enclosing scope', () => {
  const before = live();
  const out = torch.tidy(() => {
    const a = torch.ones([10]);
    const b = a.add(1);
    const inner = torch.tidy(() => {
      const c = b.mul(2);
      c.add(1);
      return c;
    });
    assert.equal(live(), before + 3, 'a, b and the returned c survive the inner scope');
    return { sum: inner.sum(), parts: [inner] };
  });
  assert.equal(live(), before + 2);
  assert.equal(out.sum.item(), 40);
  torch.dispose(out);
  assert.equal(live(), before);
});

test('tensors returned at any depth, in Maps and Sets, survive; cycles are fine', () => {
  const before = live();
  const out = torch.tidy(() => {
    const deep: Record<string, unknown> = { a: { b: { c: { d: { e: { f: { g: [torch.ones([1])] } } } } } } };
    deep.self = deep;
    return { deep, m: new Map([['k', torch.ones([2])]]), s: new Set([torch.ones([3])]) };
  });
  assert.equal(live(), before + 3);
  torch.dispose(out);
  assert.equal(live(), before);
});

test('keep() exempts a tensor from scopes; dispose is idempotent; use after dispose throws', () => {
  const before = live();
  const k = torch.tidy(() => torch.ones([3]).keep());
  torch.tidy(() => {
    k.add(1);
  });
  assert.equal(live(), before + 1);
  k.dispose();
  k.dispose();
  assert.equal(live(), before);
  assert.equal(k.isDisposed, true);
  assert.throws(
    () => k.add(1),
    (e: Error) => e.name === 'ArgumentError' && /disposed tensor/.test(e.message),
  );
  assert.throws(() => k.sum(), /disposed tensor/);
  assert.throws(() => torch.ones(1).add(k), /disposed tensor/);
  assert.throws(() => k.item(), /disposed tensor/);
});

test('`using` disposes at the end of the block', () => {
  gc(); // earlier tests' garbage tensors go first, so only this block's count
  const before = live();
  {
    using t = torch.ones([4]);
    assert.equal(t.sum().item(), 4);
  }
  gc(); // t.sum() made a tensor outside any scope: the GC backstop frees it
  assert.equal(live(), before);
});

test('a tidy that throws still frees its tensors', () => {
  const before = live();
  assert.throws(
    () =>
      torch.tidy(() => {
        torch.ones([5]);
        throw new Error('inside');
      }),
    /inside/,
  );
  assert.equal(live(), before);
});

test('async tidy keeps its scope until the promise settles (concurrent scopes: test/scope.test.ts)', async () => {
  const before = live();
  const r = await torch.tidy(async () => {
    const a = torch.ones([2]);
    await new Promise((res) => setTimeout(res, 2));
    const b = a.mul(3);
    return b;
  });
  assert.equal(live(), before + 1);
  assert.equal(r.sum().item(), 6);
  torch.dispose(r);
  gc();
  assert.equal(torch.memory().scopes, 0);
});

test('the GC finalizer frees tensors nobody disposed (backstop only)', async () => {
  gc();
  const before = live();
  (() => {
    for (let k = 0; k < 200; k++) torch.ones([100]);
  })();
  assert.ok(live() >= before + 200);
  for (let k = 0; k < 5 && live() > before; k++) {
    gc();
    await new Promise((res) => setImmediate(res));
  }
  assert.equal(live(), before);
});

test('2,000 training steps inside scopes leave live tensors unchanged and RSS flat', () => {
  torch.manualSeed(0);
  const params: Tensor[] = [
    torch.randn([32, 64]).mul_(0.1).requiresGrad_(),
    torch.zeros([64], { requiresGrad: true }),
    torch.randn([64, 10]).mul_(0.1).requiresGrad_(),
    torch.zeros([10], { requiresGrad: true }),
  ];
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  const x = torch.randn([64, 32]);
  const y = torch.randint(0, 10, [64]);
  const step = (): number =>
    torch.tidy(() => {
      const loss = torch.functional.crossEntropy(x.matmul(w1).add(b1).relu().matmul(w2).add(b2), y);
      loss.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!, 0.05);
          p.grad!.zero_();
        }
      });
      return 0;
    });
  for (let k = 0; k < 500; k++) step(); // allocator and V8 warm-up
  gc();
  torch.trimHostMemory();
  const liveBefore = live();
  const bytesBefore = torch.memory().bytes;
  const rssBefore = process.memoryUsage().rss;
  const firstLoss = torch.tidy(() => torch.functional.crossEntropy(x.matmul(w1).add(b1).relu().matmul(w2).add(b2), y).item());
  for (let k = 0; k < 2000; k++) {
    step();
    if (k % 500 === 0) assert.equal(live(), liveBefore, `live tensors at step ${k}`);
  }
  gc();
  torch.trimHostMemory();
  assert.equal(live(), liveBefore);
  assert.equal(torch.memory().bytes, bytesBefore);
  const growth = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  // allocator noise stays within ~10 MiB here; leaking one batch-sized tensor a step would add over 30 MiB
  assert.ok(growth < 24, `RSS grew ${growth.toFixed(1)} MiB over 2,000 steps`);
  const lastLoss = torch.tidy(() => torch.functional.crossEntropy(x.matmul(w1).add(b1).relu().matmul(w2).add(b2), y).item());
  assert.ok(lastLoss < firstLoss * 0.5, `the model trained (loss ${firstLoss} -> ${lastLoss})`);
  torch.dispose([params, x, y]);
});
