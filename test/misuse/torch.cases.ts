// Misuse cases for every function of the `torch` namespace (creation, ops, autograd, runtime, foreach,
// autocast, distributions, scopes, safetensors): each argument poisoned with each hostile value must give a
// Flint error naming the function, never a JS internal error, a crash or a leak.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { torch, type Tensor } from '../../src/index.js';
import type { Case } from './harness.js';

const x = (): Tensor => torch.ones([2, 3]);
const long = (v: number[] | number[][]): Tensor => torch.tensor(v, { dtype: 'int64' });
const fn = (name: string, args: Case['args'], extra: Partial<Case> = {}): Case => ({
  name: `torch.${name}`,
  args,
  ...extra,
  call: (...a) => (torch as unknown as Record<string, (...b: unknown[]) => unknown>)[name]!(...a),
});

// Files: a private folder, made on first use; calls that take a path run there, so that a hostile path such
// as 'abc' lands in it, not in the folder the tests were started from.
let folder: string | undefined;
function dir(): string {
  if (folder === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'flint-misuse-torch-'));
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    folder = made;
  }
  return folder;
}
function inDir<T>(f: () => T): T {
  const cwd = process.cwd();
  process.chdir(dir());
  try {
    return f();
  } finally {
    process.chdir(cwd);
  }
}
let saved: string | undefined;
function savedFile(): string {
  if (saved === undefined) {
    saved = join(dir(), 'saved.safetensors');
    torch.tidy(() => torch.save({ w: torch.ones([2, 3]), b: torch.zeros([3], { dtype: 'int64' }) }, saved!, { metadata: { k: 'v' } }));
  }
  return saved;
}
const bytes = (): Buffer => torch.tidy(() => torch.safetensors.serialize({ w: torch.ones([2]) }, { k: 'v' }));

const unary = [
  'neg',
  'abs',
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'log10',
  'sqrt',
  'rsqrt',
  'square',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'relu',
  'silu',
  'floor',
  'ceil',
  'round',
  'trunc',
  'sign',
  'reciprocal',
  'erf',
  'isnan',
  'isinf',
  'isfinite',
  'logicalNot',
  'nonzero',
  'standardGamma',
];
const binary = [
  'add',
  'sub',
  'mul',
  'div',
  'remainder',
  'pow',
  'maximum',
  'minimum',
  'atan2',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];
const noArgs = ['memory', 'hostReads', 'getNumThreads', 'getBlasThreads', 'parallelInfo', 'trimHostMemory', 'isGradEnabled'];
const likes = ['zerosLike', 'onesLike', 'emptyLike', 'randLike', 'randnLike'];
const factories = ['zeros', 'ones', 'empty', 'rand', 'randn'];
const opts = (): { dtype: string; device: string; requiresGrad: boolean } => ({ dtype: 'float64', device: 'cpu', requiresGrad: false });

export const cases: Case[] = [
  // ---- creation ----
  ...factories.map((f) => fn(f, () => [[2, 3], opts()])),
  ...factories.map((f) => fn(f, () => [2, 3])),
  ...likes.map((f) => fn(f, () => [x(), opts()])),
  fn('fullLike', () => [x(), 7, opts()]),
  fn('tensor', () => [
    [
      [1, 2],
      [3, 4],
    ],
    opts(),
  ]),
  fn('tensor', () => [new Float32Array([1, 2]), opts()]),
  fn('tensor', () => [[1n, 2n]]),
  fn('fromTypedArray', () => [new Float32Array(6), [2, 3], opts()]),
  fn('full', () => [[2, 3], 7, opts()]),
  fn('randint', () => [0, 5, [2, 3], { dtype: 'int32', device: 'cpu' }]),
  fn('arange', () => [0, 5, 1, { dtype: 'float32' }]),
  fn('arange', () => [5, { dtype: 'float32' }]),
  fn('linspace', () => [0, 1, 5, opts()]),
  fn('eye', () => [3, 2, opts()]),
  fn('eye', () => [3, opts()]),
  fn('randperm', () => [5, { dtype: 'int64' }]),
  fn('randperm', () => [5, { generator: new torch.Generator() }], {
    mustReject: { '1.generator': ['NaN', 'string', 'object', 'function', 'int64 tensor'] },
  }),
  fn('rand', () => [[2, 3], { generator: new torch.Generator().manualSeed(1) }], { mustReject: { '1.generator': ['string', 'object', 'array'] } }),
  fn('randint', () => [0, 5, [2], { generator: new torch.Generator() }], { mustReject: { '3.generator': ['negative', 'object'] } }),
  {
    name: 'torch.Generator',
    args: () => ['cpu'],
    call: (d) => new torch.Generator(d as string),
    mustReject: { 0: ['null', 'NaN', 'string', 'empty string', 'object', 'symbol'] },
  },
  {
    name: 'Generator.manualSeed',
    args: () => [new torch.Generator(), 5],
    call: (g, s) => (g as torch.Generator).manualSeed(s as number),
    skipArgs: [0], // the generator itself
    mustReject: { 1: ['null', 'NaN', 'Infinity', 'negative', 'fractional', 'BigInt', 'string'] },
  },
  {
    name: 'Generator.setState',
    args: () => {
      const g = new torch.Generator();
      return [g, g.getState()];
    },
    call: (g, st) => (g as torch.Generator).setState(st as Tensor),
    skipArgs: [0], // the generator itself
    mustReject: { 1: ['null', 'NaN', 'string', 'object', 'disposed tensor', 'int64 tensor', 'float64 tensor', 'scalar tensor'] },
  },
  fn('randpermSeeded', () => [5, 42], { mustReject: { 1: ['NaN', 'Infinity', '-Infinity', 'negative', 'fractional', 'BigInt', 'string'] } }),
  fn('scalarTensor', () => [3, opts()]),

  // ---- ops ----
  ...unary.map((f) => fn(f, () => [x()])),
  ...binary.map((f) => fn(f, () => [x(), 2])),
  ...binary.map((f) => fn(f, () => [x(), x()])),
  fn('add', () => [2, x(), 3]),
  fn('mul', () => [2, x()]),
  fn('pow', () => [2, x()]),
  fn('sub', () => [x(), x(), 2]),
  fn('div', () => [x(), 2, 'floor']),
  fn('cat', () => [[x(), x()], 1]),
  fn('stack', () => [[x(), x()], 0]),
  fn('where', () => [torch.tensor([true, false, true]), x(), 0]),
  fn('einsum', () => ['ij,kj->ik', x(), x()]),
  fn('split', () => [x(), 1, 1]),
  fn('chunk', () => [x(), 2, 1]),
  fn('unbind', () => [x(), 1]),
  fn('lerp', () => [x(), torch.zeros([2, 3]), 0.5]),
  fn('clamp', () => [x(), 0, 1]),
  fn('allclose', () => [x(), x(), 1e-5, 1e-8, false]),
  fn('isclose', () => [x(), x(), 1e-5, 1e-8, false]),
  fn('equal', () => [x(), x()]),
  fn('gelu', () => [x(), 'tanh']),
  fn('leakyRelu', () => [x(), 0.1]),
  fn('softplus', () => [x(), 1, 20]),
  fn('softmax', () => [x(), 1, 'float64']),
  fn('logSoftmax', () => [x(), 1, 'float64']),
  fn('sum', () => [x(), 1, true]),
  fn('mean', () => [x(), [0, 1], true]),
  fn('max', () => [x()]),
  fn('max', () => [x(), 1, true]),
  fn('min', () => [x(), 1, true]),
  fn('amax', () => [x(), 1, true]),
  fn('amin', () => [x(), 1, true]),
  fn('argmax', () => [x(), 1, true]),
  fn('argmin', () => [x(), 1, true]),
  fn('std', () => [x(), 1, true, false]),
  fn('variance', () => [x(), 1, true, false]),
  fn('prod', () => [x(), 1, false]),
  fn('logsumexp', () => [x(), 1, false]),
  fn('all', () => [x(), 1, false]),
  fn('any', () => [x(), 1, false]),
  fn('norm', () => [x(), 2, 1, false]),
  fn('cumsum', () => [x(), 1]),
  fn('cumprod', () => [x(), 1]),
  fn('topk', () => [x(), 2, -1, true, true]),
  fn('sort', () => [x(), -1, true]),
  fn('argsort', () => [x(), -1, true]),
  fn('unique', () => [x(), { sorted: true, returnInverse: true, returnCounts: false }]),
  fn('bincount', () => [long([0, 1, 1]), torch.ones([3]), 2]),
  fn('logit', () => [torch.tensor([0.2, 0.7]), 1e-6]),
  fn('histc', () => [torch.tensor([0.5, 1.5, 2.5]), 4, 0, 3]),
  fn('reshape', () => [x(), [3, 2]]),
  fn('flatten', () => [x(), 0, -1]),
  fn('squeeze', () => [torch.ones([2, 1]), 1]),
  fn('unsqueeze', () => [x(), 0]),
  fn('permute', () => [x(), [1, 0]]),
  fn('transpose', () => [x(), 0, 1]),
  fn('narrow', () => [x(), 1, 0, 2]),
  fn('select', () => [x(), 0, 1]),
  fn('indexSelect', () => [x(), 1, long([0, 2])]),
  fn('maskedSelect', () => [x(), torch.tensor([true, false, true])]),
  fn('gather', () => [x(), 1, long([[0], [2]])]),
  fn('scatter', () => [torch.zeros([2, 3]), 1, long([[0], [2]]), 1]),
  fn('scatterAdd', () => [torch.zeros([2, 3]), 1, long([[0], [2]]), torch.ones([2, 1])]),
  fn('flip', () => [x(), [0]]),
  fn('roll', () => [x(), 1, 1]),
  fn('tril', () => [x(), 0]),
  fn('triu', () => [x(), 0]),
  fn('matmul', () => [x(), torch.ones([3, 2])]),
  fn('mm', () => [x(), torch.ones([3, 2])]),
  fn('bmm', () => [torch.ones([2, 2, 3]), torch.ones([2, 3, 2])]),
  fn('dot', () => [torch.ones([3]), torch.ones([3])]),
  fn('outer', () => [torch.ones([3]), torch.ones([2])]),
  fn('addmm', () => [torch.ones([2, 2]), x(), torch.ones([3, 2]), { beta: 1, alpha: 2 }]),
  fn('baddbmm', () => [torch.ones([2, 2, 2]), torch.ones([2, 2, 3]), torch.ones([2, 3, 2]), { beta: 1, alpha: 2 }]),
  fn('linalgQr', () => [torch.eye(3), 'reduced']),

  // ---- autograd ----
  fn('noGrad', () => [() => 1]),
  fn('enableGrad', () => [() => 1]),
  fn('setGradEnabled', () => [true]),
  {
    name: 'torch.autograd.grad',
    args: () => {
      const w = torch.ones([3], { requiresGrad: true });
      const y = w.sum();
      return [y, w, { retainGraph: false, createGraph: false, allowUnused: true, gradOutputs: null }];
    },
    call: (o, i, opt) => torch.autograd.grad(o as Tensor, i as Tensor, opt as never),
  },
  {
    name: 'torch.autograd.grad',
    args: () => {
      const w = torch.ones([3], { requiresGrad: true });
      return [[w.mul(2)], [w], { gradOutputs: [torch.ones([3])] }];
    },
    call: (o, i, opt) => torch.autograd.grad(o as Tensor[], i as Tensor[], opt as never),
  },

  // ---- runtime ----
  fn('manualSeed', () => [42], { mustReject: { 0: ['NaN', 'Infinity', '-Infinity', 'negative', 'fractional', 'BigInt', 'string'] } }),
  fn('setNumThreads', () => [torch.getNumThreads()], {
    mustReject: { 0: ['NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'BigInt', 'string'] },
  }),
  fn('setBlasThreads', () => [torch.getBlasThreads() ?? 1], {
    mustReject: { 0: ['NaN', 'Infinity', 'negative', 'zero', 'fractional', 'huge', 'BigInt', 'string'] },
  }),
  ...noArgs.map((f) => fn(f, () => [])),
  { name: 'torch.cuda.isAvailable', args: () => [], call: () => torch.cuda.isAvailable() },
  { name: 'torch.cuda.deviceCount', args: () => [], call: () => torch.cuda.deviceCount() },
  { name: 'torch.cuda.synchronize', args: () => [], call: () => torch.cuda.synchronize() },
  fn('isDTypeName', () => ['float32']),
  fn('isFloating', () => ['float32']),

  // ---- foreach ----
  fn('foreachAdd_', () => [[x(), x()], [x(), x()], 2]),
  fn('foreachAdd_', () => [[x(), x()], 2]),
  fn('foreachMul_', () => [
    [x(), x()],
    [2, 3],
  ]),
  fn('foreachMul_', () => [
    [x(), x()],
    [x(), x()],
  ]),
  fn('foreachDiv_', () => [[x(), x()], 2]),
  fn('foreachAddcmul_', () => [[x()], [x()], [x()], 2]),
  fn('foreachAddcdiv_', () => [[x()], [x()], [x()], [2]]),
  fn('foreachLerp_', () => [[x()], [torch.zeros([2, 3])], 0.5]),
  fn('foreachSqrt', () => [[x(), x()]]),
  fn('foreachSqrt_', () => [[x(), x()]]),
  fn('foreachZero_', () => [[x(), x()]]),
  fn('foreachCopy_', () => [[x()], [torch.zeros([2, 3])]]),
  fn('foreachNorm', () => [[x(), x()], 2]),

  // ---- autocast ----
  fn('autocastState', () => ['cpu']),
  {
    name: 'torch.enterAutocast',
    args: () => ['cpu', { dtype: 'bfloat16', enabled: true }],
    call: (d, o) => torch.enterAutocast(d as never, o as never)(),
  },
  fn('autocast', () => [{ deviceType: 'cpu', dtype: 'bfloat16', enabled: true }, () => 1]),

  // ---- distributions ----
  {
    name: 'torch.distributions.Beta',
    args: () => [0.4, 0.4],
    call: (a, b) => new torch.distributions.Beta(a as number, b as number),
    mustReject: { 0: ['NaN', 'Infinity', 'negative', 'zero', 'string', 'BigInt'], 1: ['NaN', 'Infinity', 'negative', 'zero', 'string', 'BigInt'] },
  },
  {
    name: 'torch.distributions.Beta.sample',
    args: () => [[2, 3], { device: 'cpu' }],
    call: (s, o) => new torch.distributions.Beta(0.4, 0.4).sample(s as number[], o as never),
  },
  { name: 'torch.distributions.standardGamma', args: () => [x()], call: (t) => torch.distributions.standardGamma(t as Tensor) },

  // ---- scopes ----
  fn('tidy', () => [() => 1]),
  fn('keep', () => [x()]),
  fn('dispose', () => [[x(), { a: x() }]]),

  // ---- files ----
  {
    name: 'torch.save',
    args: () => [{ w: x() }, join(dir(), 'a.safetensors'), { metadata: { k: 'v' } }],
    call: (t, p, o) => inDir(() => torch.save(t as never, p as string, o as never)),
  },
  { name: 'torch.load', args: () => [savedFile(), { device: 'cpu' }], call: (p, o) => inDir(() => torch.load(p as string, o as never)) },
  {
    name: 'torch.loadWithMetadata',
    args: () => [savedFile(), { device: 'cpu' }],
    call: (p, o) => inDir(() => torch.loadWithMetadata(p as string, o as never)),
  },
  { name: 'torch.safetensors.serialize', args: () => [{ w: x() }, { k: 'v' }], call: (t, m) => torch.safetensors.serialize(t as never, m as never) },
  {
    name: 'torch.safetensors.deserialize',
    args: () => [bytes(), { device: 'cpu', source: 'buffer' }],
    call: (b, o) => torch.safetensors.deserialize(b as Buffer, o as never),
  },
  { name: 'torch.ensureDir', args: () => [join(dir(), 'made', 'here')], call: (d) => inDir(() => torch.ensureDir(d as string)) },
  {
    name: 'torch.writeFileAtomic',
    args: () => [join(dir(), 'w.bin'), Buffer.from('abc')],
    call: (p, b) => inDir(() => torch.writeFileAtomic(p as string, b as Buffer)),
  },
  { name: 'torch.safetensors.parseHeader', args: () => [bytes(), 'buffer'], call: (b, s) => torch.safetensors.parseHeader(b as Buffer, s as string) },
];
