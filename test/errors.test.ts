// Bad input: each wrong call throws a clear Flint error naming the function and the problem, and the process
// lives on. libtorch's own failures are TorchErrors; bad arguments, caught before any work, are ArgumentErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { torch, ArgumentError, FlintError, TorchError } from '../src/index.js';
import { gc } from './helpers.js';

const F = torch.functional;
const a = torch.ones([2, 3]).keep();
const b = torch.ones([4, 5]).keep();

type Kind = typeof TorchError | typeof ArgumentError;
/** [description, call, the error class, the pattern its message must match] */
const wrongCalls: [string, () => unknown, Kind, RegExp][] = [
  ['mismatched matmul shapes', () => a.matmul(b), TorchError, /matmul\(float32\[2, 3\], float32\[4, 5\]\).*cannot be multiplied/],
  ['broadcast failure', () => a.add(b), TorchError, /add\(.*\): The size of tensor a \(3\) must match the size of tensor b \(5\)/],
  ['mm of wrong rank', () => torch.mm(torch.ones(3), torch.ones(3)), TorchError, /mm\(float32\[3\], float32\[3\]\)/],
  ['dim out of range', () => a.sum(5), TorchError, /sum\(.*Dimension out of range/],
  ['negative dim out of range', () => a.softmax(-3), TorchError, /softmax\(.*Dimension out of range/],
  ['index out of range', () => a.select(0, 7), TorchError, /select\(.*index 7 out of range/],
  ['narrow past the end', () => a.narrow(1, 2, 5), TorchError, /narrow\(.*/],
  ['gather with float index', () => a.gather(1, torch.zeros([2, 1])), TorchError, /gather\(.*int64/],
  ['index tensor out of bounds', () => a.index([torch.tensor([9], { dtype: 'int64' })]), TorchError, /index\(.*out of bounds/],
  ['reshape to wrong numel', () => a.reshape(4, 2), TorchError, /reshape\(.*shape '\[4, 2\]' is invalid for input of size 6/],
  ['view of non-contiguous', () => a.t().view(6), TorchError, /view\(.*view size is not compatible/],
  ['cat of mismatched shapes', () => torch.cat([a, b], 0), TorchError, /cat\(.*Sizes of tensors must match/],
  ['cat of nothing', () => torch.cat([], 0), TorchError, /cat\(\[\], 0\)/],
  ['wrong dtype for cross entropy target', () => F.crossEntropy(a, torch.zeros([2])), TorchError, /crossEntropy\(/],
  [
    'class index out of range',
    () => F.crossEntropy(a, torch.tensor([0, 7], { dtype: 'int64' })),
    TorchError,
    /crossEntropy\(.*out of bounds|Target 7 is out of bounds/,
  ],
  [
    'conv with wrong channels',
    () => F.conv2d(torch.ones(1, 2, 5, 5), torch.ones(4, 3, 3, 3)),
    TorchError,
    /conv2d\(.*expected input\[1, 2, 5, 5\] to have 3 channels/,
  ],
  ['kernel larger than input', () => F.maxPool2d(torch.ones(1, 1, 2, 2), 3), TorchError, /maxPool2d\(/],
  [
    'unknown device',
    () => torch.zeros([2], { device: 'tpu' }),
    ArgumentError,
    /^torch\.zeros: expected a device such as 'cpu', 'cuda' or 'cuda:0' for opts\.device, got "tpu"$/,
  ],
  ['CUDA device that does not exist', () => torch.zeros([2], { device: 'cuda:7' }), FlintError, /cuda:7/],
  [
    'unknown dtype',
    () => torch.zeros([2], { dtype: 'float33' }),
    ArgumentError,
    /^torch\.zeros: expected a dtype \(one of float32, .*\) for opts\.dtype, got "float33"$/,
  ],
  [
    'a dtype that is not a string',
    () => torch.zeros([2], { dtype: 5 as never }),
    ArgumentError,
    /^torch\.zeros: expected a dtype .* for opts\.dtype, got 5$/,
  ],
  ['null options', () => torch.zeros([2], null as never), ArgumentError, /^torch\.zeros: expected an options object for opts, got null$/],
  [
    'an unknown option (a typo)',
    () => torch.zeros([2], { requires_grad: true } as never),
    ArgumentError,
    /^torch\.zeros: expected one of the options dtype, device, requiresGrad for opts\.requires_grad/,
  ],
  ['negative shape', () => torch.zeros([-1, 2]), ArgumentError, /^torch\.zeros: expected a non-negative integer for shape\[0\], got -1$/],
  ['fractional shape', () => torch.zeros([1.5]), ArgumentError, /^torch\.zeros: expected an integer for shape\[0\], got 1\.5$/],
  ['NaN in shape', () => torch.ones([NaN]), ArgumentError, /^torch\.ones: expected an integer for shape\[0\], got NaN$/],
  [
    'BigInt in a shape array',
    () => a.reshape([2n, 3] as never),
    ArgumentError,
    /^Tensor\.reshape: expected an integer for shape\[0\], got 2n \(a BigInt\)$/,
  ],
  ['a negative size native-checked', () => a.reshape([-2, 3]), TorchError, /reshape\(/],
  [
    'string as a shape',
    () => torch.zeros('abc' as never),
    ArgumentError,
    /^torch\.zeros: expected integers or one array of integers for shape, got "abc"$/,
  ],
  [
    'BigInt in a shape',
    () => a.reshape(2n as never, 3),
    ArgumentError,
    /^Tensor\.reshape: expected integers or one array of integers for shape, got \[2n \(a BigInt\), 3\]$/,
  ],
  ['string operand', () => a.add('x' as never), ArgumentError, /add: expected a number or a tensor for argument 1, got 'x'/],
  ['object operand', () => a.mul({} as never), ArgumentError, /mul: expected a number or a tensor for argument 1/],
  ['undefined operand', () => a.sub(undefined as never), ArgumentError, /sub: expected a number or a tensor for argument 1, got undefined/],
  ['null tensor argument', () => a.matmul(null as never), ArgumentError, /matmul: expected .*tensor for argument 1, got null/],
  ['plain object as tensor', () => torch.cat([{}] as never, 0), ArgumentError, /cat: expected a tensor for argument 0/],
  [
    'an object as a dim',
    () => a.sum({} as never),
    ArgumentError,
    /^Tensor\.sum: expected an integer or an array of integers for dim, got an empty object \{\}$/,
  ],
  ['a string as indices', () => a.index('a' as never), ArgumentError, /^Tensor\.index: expected an array of tensors .* for indices, got "a"$/],
  ['a non-tensor to a torch function', () => torch.exp(5 as never), ArgumentError, /^torch\.exp: expected a tensor for input, got 5$/],
  [
    'ragged nested array',
    () => torch.tensor([[1, 2], [3]]),
    ArgumentError,
    /^torch\.tensor: expected an array of length 2 .*ragged.* for data\[1\], got \[3\]$/,
  ],
  [
    'an array that contains itself',
    () => {
      const c: unknown[] = [1];
      c[0] = c;
      return torch.tensor(c as never);
    },
    ArgumentError,
    /^torch\.tensor: expected nested arrays at most 64 deep for data, got \[an array of length 1\]$/,
  ],
  [
    'string in data',
    () => torch.tensor([1, 'a'] as never),
    ArgumentError,
    /^torch\.tensor: expected a number, boolean or bigint for data\[1\], got "a"$/,
  ],
  [
    'mixed bools and numbers',
    () => torch.tensor([1, true] as never),
    ArgumentError,
    /^torch\.tensor: expected a number like the elements before it for data\[1\], got true$/,
  ],
  [
    'NaN into an integer tensor',
    () => torch.tensor([1, NaN], { dtype: 'int64' }),
    ArgumentError,
    /torch\.tensor: expected a finite number for dtype int64 for data \(element 1\), got NaN/,
  ],
  ['Infinity into an integer tensor', () => torch.tensor([Infinity], { dtype: 'int32' }), ArgumentError, /got Infinity/],
  ['huge integer as a number', () => torch.tensor([2 ** 60], { dtype: 'int64' }), ArgumentError, /pass larger ones as bigints/],
  ['item of many elements', () => a.item(), TorchError, /a Tensor with 6 elements cannot be converted to Scalar/],
  [
    'backward of non-scalar',
    () => torch.ones(2, { requiresGrad: true }).mul(2).backward(),
    TorchError,
    /grad can be implicitly created only for scalar outputs/,
  ],
  ['backward without grad', () => a.sum().backward(), TorchError, /does not require grad/],
  ['rounding mode typo', () => a.div(2, 'round' as never), ArgumentError, /div: expected 'trunc', 'floor' or null for rounding mode, got 'round'/],
  ['gelu approximate typo', () => a.gelu('fast' as never), ArgumentError, /gelu: expected 'none' or 'tanh' for approximate/],
  ['unique on empty is fine but topk too large is not', () => a.topk(9), TorchError, /topk\(.*selected index k out of range/],
  ['randint with empty range', () => torch.randint(5, 5, [2]), TorchError, /randint\(.*/],
  ['arange with zero step', () => torch.arange(0, 1, 0), ArgumentError, /^torch\.arange: expected a nonzero number for step, got 0$/],
  [
    'to() with nonsense',
    () => a.to(42 as never),
    ArgumentError,
    /^Tensor\.to: expected a dtype, a device, a tensor or \{ dtype, device, copy \} for target, got 42$/,
  ],
  [
    'reduction typo',
    () => F.mseLoss(a, a, { reduction: 'avg' as never }),
    ArgumentError,
    /^torch\.functional\.mseLoss: expected 'mean', 'sum' or 'none' for opts\.reduction, got "avg"$/,
  ],
  [
    'set grad of wrong dtype',
    () => {
      const x = torch.ones(2, { requiresGrad: true });
      x.grad = torch.ones(2, { dtype: 'float64' });
    },
    ArgumentError,
    /^Tensor\.grad: .*dtype and device.*float64\[2\]/,
  ],
  ['setNumThreads(0)', () => torch.setNumThreads(0), ArgumentError, /^torch\.setNumThreads: expected an integer in \[1, 1024\] for n, got 0$/],
  [
    'absurd thread count',
    () => torch.setNumThreads(1e12),
    ArgumentError,
    /^torch\.setNumThreads: expected an integer in \[1, 1024\] for n, got 1000000000000$/,
  ],
  [
    'negative seed',
    () => torch.manualSeed(-1),
    ArgumentError,
    /^torch\.manualSeed: expected an integer in \[0, 9007199254740991\] for seed, got -1$/,
  ],
  ['infinite seed (an undefined cast in C++)', () => torch.manualSeed(Infinity), ArgumentError, /manualSeed: .* got Infinity$/],
  ['NaN seed', () => torch.manualSeed(NaN), ArgumentError, /manualSeed: .* got NaN$/],
  ['fractional seed', () => torch.manualSeed(1.5), ArgumentError, /manualSeed: .* got 1\.5$/],
  ['BigInt seed', () => torch.manualSeed(7n as never), ArgumentError, /manualSeed: .* got 7n \(a BigInt\)$/],
  [
    'fromTypedArray with wrong shape',
    () => torch.fromTypedArray(new Float32Array(5), [2, 3]),
    ArgumentError,
    /^torch\.fromTypedArray: .*24 bytes .*20 bytes/,
  ],
  [
    'unsupported TypedArray',
    () => torch.tensor(new Uint16Array(3)),
    ArgumentError,
    /^torch\.tensor: expected a Float32Array, .* for data, got a Uint16Array of length 3$/,
  ],
];

for (const [what, call, kind, pattern] of wrongCalls) {
  test(`bad input: ${what}`, () => {
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof kind, `expected a ${kind.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes('Exception raised from'), 'no C++ backtrace in the message');
      return true;
    });
  });
}

test("a native TorchError carries the op, the inputs and libtorch's own message", () => {
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
  gc(); // tensors the calls above left unreferenced are collected now, not during the count
  const before = torch.memory().liveTensors;
  for (let k = 0; k < 200; k++) {
    try {
      torch.tidy(() => a.add(b));
    } catch {
      /* expected */
    }
  }
  gc();
  assert.equal(torch.memory().liveTensors, before);
  assert.equal(
    torch.tidy(() => a.add(1).sum().item()),
    12,
  );
});

/** Runs `code` in a fresh node (with `torch` imported), so a crash fails the test instead of the runner. */
function inChild(code: string, nodeArgs: string[] = []): { status: number | null; signal: string | null; out: string } {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `const { torch } = await import(${JSON.stringify(index)});\n${code}`;
  const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}` };
}
const report = `try { RUN } catch (e) { console.log(e.name + ': ' + e.message); }`;

test('toArray refuses, with a clear error, a dimension longer than V8 can hold (it used to abort the process)', () => {
  const r = inChild(report.replace('RUN', "torch.empty([1.5e8], { dtype: 'uint8' }).toArray(); console.log('no error');"));
  assert.equal(r.signal, null, r.out);
  assert.equal(r.status, 0, r.out);
  assert.match(
    r.out,
    /^FlintError: Tensor\.toArray: dimension 0 has 150000000 entries, more than the longest JS array V8 can hold \(134217725\); read the values with toTypedArray\(\) or in slices$/m,
  );
});

test('toArray refuses nested arrays that would not fit in the JS heap', () => {
  // 2e7 elements need about 160 MB of arrays; this child's heap is 64 MB
  const r = inChild(report.replace('RUN', "torch.zeros([1000, 20000], { dtype: 'uint8' }).toArray(); console.log('no error');"), [
    '--max-old-space-size=64',
  ]);
  assert.equal(r.signal, null, r.out);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /^FlintError: Tensor\.toArray: 20000000 elements need about \d+ MiB of JS heap, more than half the \d+ MiB left/m);
  // within the limits it still reads every value
  const ok = inChild('const a = torch.arange(6).reshape(2, 3).toArray(); console.log(JSON.stringify(a));', ['--max-old-space-size=64']);
  assert.equal(ok.out.trim(), '[[0,1,2],[3,4,5]]');
});
