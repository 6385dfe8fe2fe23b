// Misuse cases for image decoding: torch.decodeImage and the `vision` namespace's readers. Every call either
// decodes a fixture image or is refused naming the function; none leaks the tensor it would have made.
import { readFileSync } from 'node:fs';
import { vision } from '../../src/index.js';
import { decodeImage } from '../../src/torch/image.js';
import type { Case, HostileName } from './harness.js';

const png = new URL('../../../test/fixtures/images/rgb.png', import.meta.url).pathname;
const bytes = readFileSync(png);

// no hostile value is a Buffer, a path or a mode: all are refused (undefined is "no options" / "default mode")
const NOT_BYTES: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'int64 tensor'];
const NOT_PATH: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'empty string', 'symbol', 'object', 'array', 'function'];
const NOT_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const NOT_MODE: HostileName[] = ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'];

export const cases: Case[] = [
  {
    name: 'torch.decodeImage',
    args: () => [bytes, { mode: 'RGB' }],
    call: (b, o) => decodeImage(b as Buffer, o as never),
    mustReject: { 0: NOT_BYTES, 1: NOT_OPTS, '1.mode': NOT_MODE },
  },
  {
    name: 'vision.decodeImage',
    args: () => [bytes, { mode: 'L' }],
    call: (b, o) => vision.decodeImage(b as Buffer, o as never),
    mustReject: { 0: NOT_BYTES, 1: NOT_OPTS, '1.mode': NOT_MODE },
  },
  {
    name: 'vision.readImage',
    args: () => [png, { mode: 'RGBA' }],
    call: (p, o) => vision.readImage(p as string, o as never),
    mustReject: { 0: NOT_PATH, 1: NOT_OPTS, '1.mode': NOT_MODE },
  },
  {
    name: 'vision.imageSize',
    args: () => [png],
    call: (s) => vision.imageSize(s as string),
    mustReject: { 0: NOT_PATH },
  },
];
