// Misuse cases for every Tensor method (and the setters that take a value): each argument position poisoned
// with each hostile value must give a Flint error naming the method, never a JS internal error or a crash.
import { torch, Tensor } from '../../src/index.js';
import { type Case, method } from './harness.js';

const x = (): Tensor => torch.ones([2, 3]);
const long = (v: number[] | number[][]): Tensor => torch.tensor(v, { dtype: 'int64' });
const mask = (): Tensor => torch.tensor([[true, false, true], [false, true, false]]);

// Methods that take only the receiver.
const unary = [
  'stride', 'numel', 'isContiguous', 'dispose', 'keep', 'float', 'double', 'half', 'bfloat16', 'long', 'int',
  'bool', 'cpu', 'contiguous', 'clone', 'detach', 'detach_', 'toTypedArray', 'toArray', 'toString', 't',
  'nonzero', 'neg', 'abs', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt', 'rsqrt', 'square', 'sin',
  'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'relu', 'silu', 'mish', 'selu',
  'hardswish', 'hardsigmoid', 'logSigmoid', 'floor', 'ceil', 'round', 'trunc', 'frac', 'sign', 'reciprocal', 'erf',
  'erfinv', 'isnan', 'isinf', 'isfinite', 'logicalNot', 'median', 'zero_', 'sqrt_', 'neg_', 'abs_', 'exp_', 'log_',
  'sigmoid_', 'tanh_', 'relu_', 'floor_', 'ceil_', 'round_', 'reciprocal_', 'square_', 'retainGrad',
];
// Methods taking one operand (a tensor or a number).
const binary = [
  'add', 'sub', 'mul', 'div', 'remainder', 'fmod', 'pow', 'atan2', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le',
  'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'add_', 'sub_', 'mul_', 'div_', 'pow_', 'remainder_', 'fill_',
];

// A scalar with a graph, for backward; its leaf w is passed along (never poisoned) so that it is freed.
function graph(): [Tensor, Tensor] {
  const w = torch.ones([3], { requiresGrad: true });
  return [w.sum(), w];
}

export const cases: Case[] = [
  ...unary.map((m) => method(m, () => [x()])),
  method('item', () => [torch.ones([1])]),
  ...binary.map((m) => method(m, () => [x(), 2])),
  ...binary.map((m) => method(m, () => [x(), torch.full([3], 2)])),
  method('add', () => [x(), x(), 2]),
  method('sub', () => [x(), x(), 2]),
  method('add_', () => [x(), x(), 2]),
  method('sub_', () => [x(), x(), 2]),
  method('div', () => [x(), 2, 'floor']),
  method('div_', () => [x(), 2, 'trunc']),

  // ---- properties and conversion ----
  method('size', () => [x(), 1]),
  method('as', () => [x(), Tensor]),
  method('to', () => [x(), 'float64']),
  method('to', () => [x(), { dtype: 'float64', device: 'cpu', copy: true }]),
  method('to', () => [x(), torch.zeros([1], { dtype: 'int32' })]),
  method('cuda', () => [x(), 0]),

  // ---- views and indexing ----
  method('reshape', () => [x(), [3, 2]]),
  method('reshape', () => [x(), 3, 2]),
  method('view', () => [x(), [3, 2]]),
  method('view', () => [x(), 6]),
  method('flatten', () => [x(), 0, -1]),
  method('unflatten', () => [x(), 1, [3, 1]]),
  method('squeeze', () => [torch.ones([2, 1]), 1]),
  method('unsqueeze', () => [x(), 0]),
  method('permute', () => [x(), [1, 0]]),
  method('permute', () => [x(), 1, 0]),
  method('transpose', () => [x(), 0, 1]),
  method('movedim', () => [x(), 0, 1]),
  method('expand', () => [torch.ones([1, 3]), [2, 3]]),
  method('expand', () => [torch.ones([1, 3]), 2, 3]),
  method('expandAs', () => [torch.ones([1, 3]), x()]),
  method('repeat', () => [x(), [2, 1]]),
  method('narrow', () => [x(), 1, 0, 2]),
  method('select', () => [x(), 0, 1]),
  method('slice', () => [x(), 1, 0, 2, 1]),
  method('diagonal', () => [x(), 0, 0, 1]),
  method('index', () => [x(), [long([0, 1]), null]]),
  method('indexPut_', () => [x(), [long([0, 1])], 5, false]),
  method('indexPut_', () => [x(), [long([0, 1])], torch.zeros([3]), true]),
  method('indexSelect', () => [x(), 1, long([0, 2])]),
  method('maskedSelect', () => [x(), mask()]),
  method('maskedFill', () => [x(), mask(), 0]),
  method('maskedFill_', () => [x(), mask(), 0]),
  method('gather', () => [x(), 1, long([[0], [2]])]),
  method('scatter', () => [torch.zeros([2, 3]), 1, long([[0], [2]]), 1]),
  method('scatter', () => [torch.zeros([2, 3]), 1, long([[0], [2]]), torch.ones([2, 1])]),
  method('scatterAdd', () => [torch.zeros([2, 3]), 1, long([[0], [2]]), torch.ones([2, 1])]),
  method('split', () => [x(), 1, 1]),
  method('split', () => [x(), [1, 2], 1]),
  method('chunk', () => [x(), 2, 1]),
  method('unbind', () => [x(), 1]),
  method('flip', () => [x(), [0]]),
  method('flip', () => [x(), 0, 1]),
  method('roll', () => [x(), 1, 1]),
  method('roll', () => [x(), [1, 2], [0, 1]]),
  method('tril', () => [x(), 0]),
  method('triu', () => [x(), 1]),

  // ---- pointwise with arguments ----
  method('gelu', () => [x(), 'tanh']),
  method('leakyRelu', () => [x(), 0.1]),
  method('softplus', () => [x(), 1, 20]),
  method('elu', () => [x(), 1]),
  method('softmax', () => [x(), 1, 'float64']),
  method('logSoftmax', () => [x(), 1, 'float64']),
  method('clamp', () => [x(), 0, 1]),
  method('clamp', () => [x(), torch.zeros([3]), torch.ones([3])]),
  method('clip', () => [x(), 0, 1]),
  method('clamp_', () => [x(), 0, 1]),
  method('where', () => [x(), mask(), 0]),
  method('lerp', () => [x(), torch.zeros([2, 3]), 0.5]),
  method('lerp_', () => [x(), torch.zeros([2, 3]), 0.5]),
  method('isclose', () => [x(), x(), 1e-5, 1e-8, false]),
  method('allclose', () => [x(), x(), 1e-5, 1e-8, false]),
  method('equal', () => [x(), x()]),
  method('addcmul_', () => [x(), x(), x(), 2]),
  method('addcdiv_', () => [x(), x(), x(), 2]),
  method('copy_', () => [x(), torch.zeros([3])]),
  method('uniform_', () => [x(), 0, 1]),
  method('normal_', () => [x(), 0, 1]),
  method('bernoulli_', () => [x(), 0.5]),

  // ---- reductions ----
  method('sum', () => [x(), 1, false, { dtype: 'float64' }]),
  method('sum', () => [x(), [0, 1]]),
  method('mean', () => [x(), 1, false, { dtype: 'float64' }]),
  method('max', () => [x()]),
  method('max', () => [x(), 1, true]),
  method('min', () => [x()]),
  method('min', () => [x(), 1, true]),
  method('amax', () => [x(), 1, false]),
  method('amin', () => [x(), [0, 1], true]),
  method('argmax', () => [x(), 1, false]),
  method('argmin', () => [x(), 1, false]),
  method('std', () => [x(), 1, true, false]),
  method('var', () => [x(), 1, true, false]),
  method('prod', () => [x(), 1, false, { dtype: 'float64' }]),
  method('logsumexp', () => [x(), 1, false]),
  method('all', () => [x(), 1, false]),
  method('any', () => [x(), 1, false]),
  method('norm', () => [x(), 2, 1, false]),
  method('cumsum', () => [x(), 1, { dtype: 'float64' }]),
  method('cumprod', () => [x(), 1, { dtype: 'float64' }]),
  method('topk', () => [x(), 2, -1, true, true]),
  method('sort', () => [x(), -1, false, { stable: true }]),
  method('argsort', () => [x(), -1, false]),
  method('unique', () => [x(), { sorted: true, returnInverse: true, returnCounts: true }]),
  method('bincount', () => [long([0, 1, 1]), torch.ones([3]), 2]),
  method('histc', () => [torch.tensor([0.5, 1.5, 2.5]), 4, 0, 3], { mustReject: { 1: ['null', 'NaN', 'zero', 'negative', 'fractional', 'huge', 'string'], 2: ['NaN', 'string', 'Infinity'], 3: ['NaN', 'string', 'negative'] } }),
  method('countNonzero', () => [x(), 1]),

  // ---- linear algebra ----
  method('matmul', () => [x(), torch.ones([3, 2])]),
  method('mm', () => [x(), torch.ones([3, 2])]),
  method('bmm', () => [torch.ones([2, 2, 3]), torch.ones([2, 3, 2])]),
  method('dot', () => [torch.ones([3]), torch.ones([3])]),
  method('outer', () => [torch.ones([3]), torch.ones([2])]),

  // ---- autograd ----
  method('requiresGrad_', () => [x(), true]),
  method('backward', () => { const [y, w] = graph(); return [y, null, { retainGraph: false, createGraph: false }, w]; },
    { skipArgs: [3] }),
  method('backward', () => { const w = torch.ones([3], { requiresGrad: true }); return [w.mul(2), torch.ones([3]), {}, w]; },
    { skipArgs: [3] }),
  method('setData_', () => [x(), torch.zeros([4])]),
  {
    name: 'Tensor.requiresGrad', receiver: true, args: () => [x(), true],
    call: (t, v) => { (t as { requiresGrad: unknown }).requiresGrad = v; },
  },
  {
    name: 'Tensor.grad', receiver: true, args: () => [torch.ones([3], { requiresGrad: true }), torch.zeros([3])],
    call: (t, g) => { (t as { grad: unknown }).grad = g; },
  },
];
