// Multi-tensor updates give exactly what the per-tensor ops give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../src/index.js';

function lists(): [Tensor[], Tensor[], Tensor[]] {
  torch.manualSeed(3);
  const mk = () => [torch.randn([3, 4]), torch.randn([5]), torch.randn([2, 2, 2])];
  return [mk(), mk(), mk().map((t) => t.abs().add(0.5))];
}

test('foreach updates equal per-tensor updates', () => {
  torch.tidy(() => {
    const [xs, ys, zs] = lists();
    const ref = xs.map((x) => x.clone());
    torch.foreachAdd_(xs, ys, 0.5);
    ref.forEach((r, k) => r.add_(ys[k]!, 0.5));
    torch.foreachAdd_(xs, 2);
    ref.forEach((r) => r.add_(2));
    torch.foreachMul_(xs, 0.9);
    ref.forEach((r) => r.mul_(0.9));
    torch.foreachMul_(xs, [1, 2, 3]);
    ref.forEach((r, k) => r.mul_(k + 1));
    torch.foreachMul_(xs, zs);
    ref.forEach((r, k) => r.mul_(zs[k]!));
    torch.foreachDiv_(xs, zs);
    ref.forEach((r, k) => r.div_(zs[k]!));
    torch.foreachAddcmul_(xs, ys, zs, 0.1);
    ref.forEach((r, k) => r.addcmul_(ys[k]!, zs[k]!, 0.1));
    torch.foreachAddcdiv_(xs, ys, zs, [0.1, 0.2, 0.3]);
    ref.forEach((r, k) => r.addcdiv_(ys[k]!, zs[k]!, [0.1, 0.2, 0.3][k]));
    torch.foreachLerp_(xs, ys, 0.25);
    ref.forEach((r, k) => r.lerp_(ys[k]!, 0.25));
    xs.forEach((x, k) => assert.ok(x.allclose(ref[k]!, 1e-6, 1e-6), `tensor ${k}`));
    const roots = torch.foreachSqrt(zs);
    roots.forEach((r, k) => assert.ok(r.allclose(zs[k]!.sqrt())));
    const norms = torch.foreachNorm(xs);
    norms.forEach((n, k) => assert.ok(Math.abs(n.item() - xs[k]!.norm().item()) < 1e-5));
    torch.foreachCopy_(xs, ys);
    xs.forEach((x, k) => assert.ok(x.equal(ys[k]!)));
    torch.foreachZero_(xs);
    xs.forEach((x) => assert.equal(x.abs().sum().item(), 0));
  });
});

test('foreach lists of different lengths are refused', () => {
  torch.tidy(() => {
    const [xs, ys] = lists();
    assert.throws(() => torch.foreachAdd_(xs, ys.slice(1)), /foreachAdd_\b/);
    assert.throws(() => torch.foreachLerp_(xs, ys.slice(1), 0.5), /foreachLerp_\b/);
    assert.throws(() => torch.foreachAdd_(null as never, ys), /^ArgumentError: torch\.foreachAdd_: expected an array of tensors for xs, got null$/);
  });
});
