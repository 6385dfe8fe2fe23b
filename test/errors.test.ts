// Bad input: each wrong call throws a clear TorchError (or TypeError-like message) naming the op and the
// problem, and the process lives on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, TorchError } from '../src/index.js';
import { gc } from './helpers.js';

const F = torch.functional;
const a = torch.ones([2, 3]).keep();
const b = torch.ones([4, 5]).keep();

/** [description, call, pattern the message must match] */
const wrongCalls: [string, () => unknown, RegExp][] = [
  ['mismatched matmul shapes', () => a.matmul(b), /matmul\(float32\[2, 3\], float32\[4, 5\]\).*cannot be multiplied/],
  ['broadcast failure', () => a.add(b), /add\(.*\): The size of tensor a \(3\) must match the size of tensor b \(5\)/],
  ['mm of wrong rank', () => torch.mm(torch.ones(3), torch.ones(3)), /mm\(float32\[3\], float32\[3\]\)/],
  ['dim out of range', () => a.sum(5), /sum\(.*Dimension out of range/],
  ['negative dim out of range', () => a.softmax(-3), /softmax\(.*Dimension out of range/],
  ['index out of range', () => a.select(0, 7), /select\(.*index 7 out of range/],
  ['narrow past the end', () => a.narrow(1, 2, 5), /narrow\(.*/],
  ['gather with float index', () => a.gather(1, torch.zeros([2, 1])), /gather\(.*int64/],
  ['index tensor out of bounds', () => a.index([torch.tensor([9], { dtype: 'int64' })]), /index\(.*out of bounds/],
  ['reshape to wrong numel', () => a.reshape(4, 2), /reshape\(.*shape '\[4, 2\]' is invalid for input of size 6/],
  ['view of non-contiguous', () => a.t().view(6), /view\(.*view size is not compatible/],
  ['cat of mismatched shapes', () => torch.cat([a, b], 0), /cat\(.*Sizes of tensors must match/],
  ['cat of nothing', () => torch.cat([], 0), /cat\(\[\], 0\)/],
  ['wrong dtype for cross entropy target', () => F.crossEntropy(a, torch.zeros([2])), /crossEntropy\(/],
  ['class index out of range', () => F.crossEntropy(a, torch.tensor([0, 7], { dtype: 'int64' })), /crossEntropy\(.*out of bounds|Target 7 is out of bounds/],
  ['conv with wrong channels', () => F.conv2d(torch.ones(1, 2, 5, 5), torch.ones(4, 3, 3, 3)), /conv2d\(.*expected input\[1, 2, 5, 5\] to have 3 channels/],
  ['kernel larger than input', () => F.maxPool2d(torch.ones(1, 1, 2, 2), 3), /maxPool2d\(/],
  ['unknown device', () => torch.zeros([2], { device: 'tpu' }), /zeros\(.*Expected one of cpu, cuda/],
  ['CUDA device that does not exist', () => torch.zeros([2], { device: 'cuda:7' }), /cuda:7/],
  ['unknown dtype', () => torch.zeros([2], { dtype: 'float33' }), /unknown dtype "float33"; expected one of float32/],
  ['negative shape', () => torch.zeros([-1, 2]), /zeros\(.*negative dimension -1/],
  ['fractional shape', () => torch.zeros([1.5]), /must be an array of integers, element 0 is 1.5/],
  ['NaN in shape', () => torch.ones([NaN]), /must be an array of integers/],
  ['string as a shape', () => torch.zeros('abc' as never), /a shape is numbers or one array of numbers/],
  ['string operand', () => a.add('x' as never), /add\(float32\[2, 3\], 'x'\): argument 1 must be a number or a tensor, got 'x'/],
  ['object operand', () => a.mul({} as never), /mul\(.*must be a number or a tensor, got object/],
  ['undefined operand', () => a.sub(undefined as never), /sub\(.*must be a number or a tensor, got undefined/],
  ['null tensor argument', () => a.matmul(null as never), /matmul\(.*argument 1 must be a number or a tensor, got null/],
  ['plain object as tensor', () => torch.cat([{}] as never, 0), /cat\(.*not a tensor/],
  ['ragged nested array', () => torch.tensor([[1, 2], [3]]), /ragged nested array: \[1\] has length 1, expected 2/],
  ['string in data', () => torch.tensor([1, 'a'] as never), /element \[1\] is string, expected a number/],
  ['mixed bools and numbers', () => torch.tensor([1, true] as never), /element \[1\] is a boolean but earlier elements are numbers/],
  ['NaN into an integer tensor', () => torch.tensor([1, NaN], { dtype: 'int64' }), /cannot convert NaN \(element 1\) to int64/],
  ['Infinity into an integer tensor', () => torch.tensor([Infinity], { dtype: 'int32' }), /cannot convert Infinity/],
  ['huge integer as a number', () => torch.tensor([2 ** 60], { dtype: 'int64' }), /pass them as bigints/],
  ['item of many elements', () => a.item(), /a Tensor with 6 elements cannot be converted to Scalar/],
  ['backward of non-scalar', () => torch.ones(2, { requiresGrad: true }).mul(2).backward(), /grad can be implicitly created only for scalar outputs/],
  ['backward without grad', () => a.sum().backward(), /does not require grad/],
  ['rounding mode typo', () => a.div(2, 'round' as never), /rounding mode must be 'trunc', 'floor' or null, got 'round'/],
  ['gelu approximate typo', () => a.gelu('fast' as never), /gelu approximate must be 'none' or 'tanh'/],
  ['unique on empty is fine but topk too large is not', () => a.topk(9), /topk\(.*selected index k out of range/],
  ['randint with empty range', () => torch.randint(5, 5, [2]), /randint\(.*/],
  ['arange with zero step', () => torch.arange(0, 1, 0), /arange: step must be nonzero/],
  ['to() with nonsense', () => a.to(42 as never), /to\(\): expected a dtype, a device or \{ dtype, device \}/],
  ['reduction typo', () => F.mseLoss(a, a, { reduction: 'avg' as never }), /reduction must be 'mean', 'sum' or 'none'/],
  ['set grad of wrong dtype', () => { const x = torch.ones(2, { requiresGrad: true }); x.grad = torch.ones(2, { dtype: 'float64' }); }, /assigned grad must match the tensor's dtype and device/],
  ['setNumThreads(0)', () => torch.setNumThreads(0), /number of threads must be at least 1/],
  ['negative seed', () => torch.manualSeed(-1), /seed must be a non-negative integer/],
  ['fromTypedArray with wrong shape', () => torch.fromTypedArray(new Float32Array(5), [2, 3]), /data has 20 bytes but shape and dtype need 24/],
  ['unsupported TypedArray', () => torch.tensor(new Uint16Array(3)), /unsupported TypedArray Uint16Array/],
];

for (const [what, call, pattern] of wrongCalls) {
  test(`bad input: ${what}`, () => {
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof TorchError, `expected a TorchError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes('Exception raised from'), 'no C++ backtrace in the message');
      return true;
    });
  });
}

test('a native TorchError carries the op, the inputs and libtorch\'s own message', () => {
  try {
    a.matmul(b);
    assert.fail('no error');
  } catch (e) {
    const err = e as TorchError;
    assert.equal(err.op, 'matmul');
    assert.equal(err.inputs, 'float32[2, 3], float32[4, 5]');
    assert.match(err.torchMessage!, /cannot be multiplied \(2x3 and 4x5\)/);
  }
});

test('empty tensors, NaN and Infinity are values, not errors', () => {
  torch.tidy(() => {
    const e = torch.zeros([0, 3]);
    assert.deepEqual([...e.sum(0).shape], [3]);
    assert.equal(e.sum().item(), 0);
    assert.ok(Number.isNaN(e.mean().item()));
    const x = torch.tensor([NaN, Infinity, -Infinity, 1]);
    assert.deepEqual(x.isnan().toArray(), [true, false, false, false]);
    assert.equal(x.isinf().sum().item(), 2);
    assert.ok(Number.isNaN(x.sum().item()));
    assert.equal(torch.tensor([Infinity]).exp().item(), Infinity);
  });
});

test('after many failures the engine still works and nothing leaked', () => {
  gc();  // tensors the calls above left unreferenced are collected now, not during the count
  const before = torch.memory().liveTensors;
  for (let k = 0; k < 200; k++) {
    try { torch.tidy(() => a.add(b)); } catch { /* expected */ }
  }
  gc();
  assert.equal(torch.memory().liveTensors, before);
  assert.equal(torch.tidy(() => a.add(1).sum().item()), 12);
});
