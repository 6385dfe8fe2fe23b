// The native error path: libtorch's failures are TorchErrors, the addon's own argument checks ArgumentErrors,
// both with op and inputs; and errors cost nothing that lasts: 10,000 caught ones, thrown in one synchronous
// loop (where a retained reference would pile up), leave the heap and the live tensors flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, torch, TorchError } from '../src/index.js';
import { native as typedNative } from '../src/torch/native.js';
import { gc } from './helpers.js';

// Calls the addon directly with values its TypeScript interface rightly refuses.
type Op = 'mm' | 'add' | 'zeros' | 'sum' | 'manualSeed' | 'neg';
const native = typedNative as unknown as Record<Op, (...args: unknown[]) => unknown>;

const a = torch.ones([2, 3]).keep();
const b = torch.ones([4, 5]).keep();

test("libtorch failures are TorchErrors with op, inputs and libtorch's message, without a C++ backtrace", () => {
  assert.throws(
    () => native.mm(a._h, b._h),
    (e: unknown) => {
      assert.ok(e instanceof TorchError && !(e instanceof ArgumentError));
      assert.equal(e.op, 'mm');
      assert.equal(e.inputs, 'float32[2, 3], float32[4, 5]');
      assert.match(e.torchMessage!, /cannot be multiplied \(2x3 and 4x5\)/);
      assert.ok(e.message.startsWith('mm(float32[2, 3], float32[4, 5]): '));
      assert.ok(!/Exception raised from|frame #/.test(e.message));
      return true;
    },
  );
});

test("the addon's argument checks are ArgumentErrors naming the op, the argument and the value", () => {
  const cases: [() => unknown, string, string, string][] = [
    [() => native.add(a._h, 'x'), 'argument 1', 'a number or a tensor', "'x'"],
    [() => native.add(a._h, 5n), 'argument 1', 'a number or a tensor', '5n (a BigInt)'],
    [() => native.add(a._h, Symbol('s')), 'argument 1', 'a number or a tensor', 'a symbol'],
    [() => native.add(a._h, () => 1), 'argument 1', 'a number or a tensor', 'a function'],
    [() => native.zeros([2, NaN], 6, 'cpu'), 'argument 0', 'an array of integers', '[2, NaN] (element 1 is NaN)'],
    [() => native.zeros([2 ** 70], 6, 'cpu'), 'argument 0', 'an array of integers', '[1.1805916207174113e+21] (element 0 is 1.1805916207174113e+21)'],
    [() => native.zeros([-1], 6, 'cpu'), 'argument 0', 'a shape of non-negative integers', '[-1] (negative dimension -1)'],
    [() => native.sum(a._h, [Infinity], false), 'argument 1', 'an array of integers', '[Infinity] (element 0 is Infinity)'],
    [() => native.manualSeed(Infinity), 'argument 0', 'a non-negative integer seed below 2^64', 'Infinity'],
    [() => native.manualSeed(-1), 'argument 0', 'a non-negative integer seed below 2^64', '-1'],
    [() => native.zeros([1], 6, 'tpu'), 'argument 2', "'cpu', 'cuda' or 'cuda:N'", "'tpu'"],
  ];
  for (const [call, arg, expected, got] of cases) {
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof ArgumentError, `${String(e)}`);
      assert.deepEqual([e.arg, e.expected, e.got], [arg, expected, got]);
      assert.equal(e.message, `${e.fn}: expected ${expected} for ${arg}, got ${got}`);
      assert.equal((e as ArgumentError & { op: string }).op, e.fn);
      assert.equal(typeof (e as ArgumentError & { inputs: string }).inputs, 'string');
      return true;
    });
  }
});

test('a disposed tensor is an ArgumentError naming the op', () => {
  const t = torch.ones([2]);
  t.dispose();
  assert.throws(
    () => native.neg(t._h),
    (e: unknown) =>
      e instanceof ArgumentError &&
      e.message === 'neg: expected a live tensor for argument 0, got a disposed tensor' &&
      (e as ArgumentError & { inputs: string }).inputs === 'disposed tensor',
  );
});

/** Heap used after full collections, in MiB, without yielding to the event loop (no deferred cleanup runs). */
function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function failMany(n: number, call: () => unknown): number {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      call();
    } catch (e) {
      if (e instanceof TorchError || e instanceof ArgumentError) caught++;
    }
  }
  return caught;
}

const kinds: [string, () => unknown][] = [
  ['libtorch errors (TorchError)', () => native.mm(a._h, b._h)],
  ['native argument errors (ArgumentError)', () => native.add(a._h, 'x')],
  [
    'disposed-tensor errors (ArgumentError)',
    (() => {
      const t = torch.ones([1]);
      t.dispose();
      return () => native.neg(t._h);
    })(),
  ],
];

for (const [what, call] of kinds) {
  test(`10,000 caught ${what} leave the heap and the live tensors flat`, () => {
    failMany(1000, call); // warm-up: compiled code, inline caches, interned strings
    const liveBefore = torch.memory().liveTensors;
    const heapBefore = heapMiB();
    assert.equal(
      torch.tidy(() => failMany(10_000, call)),
      10_000,
    );
    const growth = heapMiB() - heapBefore;
    // before the fix each error stayed referenced until the next macrotask: ~4.5 MiB per 10,000 here
    assert.ok(growth < 1, `heap grew ${growth.toFixed(2)} MiB over 10,000 errors`);
    assert.equal(torch.memory().liveTensors, liveBefore);
  });
}
