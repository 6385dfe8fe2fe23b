// Misuse cases for TensorBoard logging: tensorboard.SummaryWriter and its methods, callbacks.TensorBoard.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callbacks, tensorboard, torch } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-tb-'));
// one writer for the method cases (made outside the calls' leak check)
const writer = new tensorboard.SummaryWriter(join(dir, 'w'));
const BAD_TAG: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'empty string', 'symbol', 'object', 'array', 'function'];
const BAD_STEP: HostileName[] = ['null', 'NaN', 'negative', 'fractional', 'string', 'object'];
const BAD_TENSOR: HostileName[] = ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor'];

export const cases: Case[] = [
  {
    name: 'tensorboard.SummaryWriter',
    word: 'SummaryWriter',
    args: () => [join(dir, 'ctor')],
    call: (d) => new tensorboard.SummaryWriter(d as Any).close(),
    mustReject: { 0: ['null', 'NaN', 'zero', 'empty string', 'symbol', 'object', 'array', 'function'] },
  },
  {
    name: 'SummaryWriter.addScalar',
    word: 'addScalar',
    args: () => ['loss', 0.5, 3],
    call: (t, v, s) => writer.addScalar(t as Any, v as Any, s as Any),
    mustReject: { 0: BAD_TAG, 1: ['null', 'undefined', 'string', 'object', 'array', 'disposed tensor'], 2: BAD_STEP },
  },
  {
    name: 'SummaryWriter.addHistogram',
    word: 'addHistogram',
    args: () => ['w', torch.randn([10]), 1],
    call: (t, v, s) => writer.addHistogram(t as Any, v as Any, s as Any),
    mustReject: { 0: BAD_TAG, 1: BAD_TENSOR, 2: BAD_STEP },
  },
  {
    name: 'SummaryWriter.addImage',
    word: 'addImage',
    args: () => ['img', torch.rand([3, 4, 5]), 1],
    call: (t, v, s) => writer.addImage(t as Any, v as Any, s as Any),
    mustReject: { 0: BAD_TAG, 1: [...BAD_TENSOR, 'scalar tensor'], 2: BAD_STEP },
  },
  {
    name: 'SummaryWriter.addHparams',
    word: 'addHparams',
    args: () => [{ lr: 0.1, arch: 'mlp' }, { accuracy: 0.9 }],
    call: (h, m) => writer.addHparams(h as Any, m as Any),
    mustReject: { 0: ['null', 'undefined', 'NaN', 'string', 'array'], 1: ['null', 'NaN', 'string', 'array'] },
  },
  {
    name: 'callbacks.TensorBoard',
    word: 'TensorBoard',
    args: () => [{ logDir: join(dir, 'cb'), trainFreq: 2, histFreq: 1, showResults: false, hparams: { arch: 'mlp' } }],
    call: (o) => new callbacks.TensorBoard(o as Any),
    mustReject: {
      0: ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function'],
      '0.logDir': ['null', 'NaN', 'zero', 'empty string', 'object'],
      '0.trainFreq': ['null', 'NaN', 'negative', 'fractional', 'string'],
      '0.histFreq': ['null', 'NaN', 'negative', 'fractional', 'string'],
      '0.showResults': ['null', 'NaN', 'zero', 'string'],
      '0.hparams': ['NaN', 'zero', 'string', 'array'],
    },
  },
];
