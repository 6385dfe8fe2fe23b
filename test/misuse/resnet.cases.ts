// Misuse cases for the ResNets (models.resnet18..152, torchvision's) and xresnets (models.xresnet18..152,
// fastai's), their forward, and models.modelMeta. Only the few accepted values (undefined) build a model.
import { models, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const BAD_ARGS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_SIZE: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  'negative',
  'zero',
  'fractional',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'huge',
];
const BAD_BOOL: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_PROB: HostileName[] = ['null', 'NaN', 'Infinity', 'negative', 'huge', 'BigInt', 'string', 'symbol', 'object', 'array'];
const BAD_INPUT: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'string',
  'object',
  'array',
  'disposed tensor',
  'scalar tensor',
  'int64 tensor',
  'bool tensor',
];

const resnet = (name: 'resnet18' | 'resnet34' | 'resnet50' | 'resnet101' | 'resnet152'): Case => ({
  name: `models.${name}`,
  args: () => [{ numClasses: 3, zeroInitResidual: true }],
  call: (a) => models[name](a as Any),
  mustReject: { 0: BAD_ARGS, '0.numClasses': BAD_SIZE, '0.zeroInitResidual': BAD_BOOL },
});
const xresnet = (name: 'xresnet18' | 'xresnet34' | 'xresnet50' | 'xresnet101' | 'xresnet152'): Case => ({
  name: `models.${name}`,
  args: () => [{ nOut: 3, cIn: 1, p: 0.1 }],
  call: (a) => models[name](a as Any),
  mustReject: { 0: BAD_ARGS, '0.nOut': BAD_SIZE, '0.cIn': BAD_SIZE, '0.p': BAD_PROB },
});

export const cases: Case[] = [
  resnet('resnet18'),
  resnet('resnet34'),
  resnet('resnet50'),
  resnet('resnet101'),
  resnet('resnet152'),
  xresnet('xresnet18'),
  xresnet('xresnet34'),
  xresnet('xresnet50'),
  xresnet('xresnet101'),
  xresnet('xresnet152'),
  {
    name: 'models.resnet18.call',
    word: 'resnet18',
    args: () => [models.resnet18({ numClasses: 2 }).eval(), torch.zeros([1, 3, 32, 32])],
    skipArgs: [0],
    call: (m, x) => (m as Any).call(x),
    mustReject: { 1: [...BAD_INPUT, 'float64 tensor'] },
  },
  {
    name: 'models.xresnet18.call',
    word: 'xresnet18',
    args: () => [models.xresnet18({ nOut: 2 }).eval(), torch.zeros([1, 3, 32, 32])],
    skipArgs: [0],
    call: (m, x) => (m as Any).call(x),
    mustReject: { 1: [...BAD_INPUT, 'float64 tensor'] },
  },
  {
    name: 'models.modelMeta',
    args: () => ['resnet50'],
    call: (n) => models.modelMeta(n as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'empty string', 'symbol', 'object', 'array', 'function'] },
  },
];
