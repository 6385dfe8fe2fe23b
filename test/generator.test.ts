// torch.Generator: PyTorch's draws from a generator of its own (fixture from torch 1.13), independence from the
// default generator, state save and restore, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../src/index.js';
import { fixture, liveTensors } from './helpers.js';

const fx = fixture<{ seed: number; sequence: [string, number[]][]; defaultSeed: number; defaultRand: number[] }>('generator/generator.json');

/** The fixture's sequence of draws from one generator, in its order. */
function draws(g: torch.Generator): Record<string, number[]> {
  return torch.tidy(() => {
    const v = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number);
    return {
      rand: v(torch.rand([5], { generator: g })),
      randn: v(torch.randn([3], { generator: g })),
      randint: v(torch.randint(0, 10, [6], { generator: g })),
      randperm: v(torch.randperm(8, { generator: g })),
      uniform_: v(torch.empty([4]).uniform_(-1, 1, { generator: g })),
      normal_: v(torch.empty([3]).normal_(2, 0.5, { generator: g })),
      bernoulli_: v(torch.empty([6]).bernoulli_(0.3, { generator: g })),
      rand64: v(torch.rand([2], { dtype: 'float64', generator: g })),
    };
  });
}

test("a generator's draws are PyTorch's for the same seed, in every random op that takes one", () => {
  const got = draws(new torch.Generator().manualSeed(fx.seed));
  for (const [op, want] of fx.sequence) {
    const g = got[op]!;
    assert.equal(g.length, want.length, op);
    g.forEach((x, i) => assert.ok(Math.abs(x - want[i]!) < 1e-6, `${op}[${i}]: ${x} vs ${want[i]}`));
  }
  // a new generator starts from PyTorch's default seed
  const fresh = new torch.Generator();
  assert.equal(fresh.initialSeed(), fx.defaultSeed);
  const r = torch.tidy(() => Array.from(torch.rand([3], { generator: fresh }).toTypedArray() as Float32Array));
  r.forEach((x, i) => assert.ok(Math.abs(x - fx.defaultRand[i]!) < 1e-6));
});

test('a generator neither moves nor follows the default generator; the same seed draws the same stream as manualSeed', () => {
  torch.tidy(() => {
    torch.manualSeed(3);
    const want = torch.rand([4]);
    torch.manualSeed(3);
    const g = new torch.Generator().manualSeed(99);
    torch.rand([10], { generator: g });
    torch.empty([5]).uniform_(0, 1, { generator: g });
    assert.ok(torch.rand([4]).equal(want), 'the default stream is where it was');
    // seeded alike, a generator and the default one draw alike
    torch.manualSeed(11);
    const a = torch.randn([6]);
    assert.ok(torch.randn([6], { generator: new torch.Generator().manualSeed(11) }).equal(a));
  });
});

test('getState / setState replay a stream; seed() reseeds with a seed that can be given back', () => {
  const before = liveTensors();
  torch.tidy(() => {
    const g = new torch.Generator().manualSeed(5);
    torch.rand([3], { generator: g });
    const state = g.getState();
    assert.equal(state.dtype, 'uint8');
    const a = torch.rand([8], { generator: g });
    g.setState(state);
    assert.ok(torch.rand([8], { generator: g }).equal(a), 'the same draws after the state is restored');
    const s = g.seed();
    assert.ok(Number.isSafeInteger(s) && s >= 0);
    assert.equal(g.initialSeed(), s);
    const b = torch.rand([4], { generator: g });
    assert.ok(torch.rand([4], { generator: new torch.Generator().manualSeed(s) }).equal(b));
  });
  assert.equal(liveTensors(), before);
});

test('errors name the op and the argument', () => {
  const g = new torch.Generator();
  assert.throws(
    () => torch.rand([2], { generator: 3 as unknown as torch.Generator }),
    /torch\.rand: expected a torch\.Generator for opts\.generator, got 3/,
  );
  assert.throws(
    () => torch.randint(0, 3, [2], { generator: {} as torch.Generator }),
    /torch\.randint: expected a torch\.Generator for opts\.generator/,
  );
  assert.throws(() => torch.empty([2]).uniform_(0, 1, { gen: g } as never), /Tensor\.uniform_: .*gen/);
  assert.throws(() => g.manualSeed(-1), /Generator\.manualSeed: expected an integer in \[0, 9007199254740991\] for seed, got -1/);
  assert.throws(() => g.manualSeed(1.5), /Generator\.manualSeed: expected an integer/);
  assert.throws(() => g.setState(torch.zeros([3])), /Generator\.setState: expected a uint8 CPU tensor \(from getState\) for state/);
  assert.throws(() => g.setState(torch.zeros([3], { dtype: 'uint8' })), /Generator\.setState/);
  assert.throws(() => new torch.Generator('tpu'), /torch\.Generator: expected a device such as 'cpu'/);
  if (!torch.cuda.isAvailable()) assert.throws(() => new torch.Generator('cuda'), /torch\.Generator: .*no CUDA device/);
});
