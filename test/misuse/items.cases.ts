// Misuse cases for the vision item transforms (Resize, RandomResizedCrop, CenterCrop, ToTensor): each factory's
// size and options (both resamples), each transform's call (image and split), its plan(shape) method, and an injected rng whose
// draws are refused when they are not numbers in [0, 1).
import { torch } from '../../src/index.js';
import { CenterCrop, RandomResizedCrop, Resize, ToTensor } from '../../src/vision/item-transforms.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const BAD_SIZE: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
  'fractional',
  'huge',
  'BigInt',
  'string',
  'empty string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'int64 tensor',
  'scalar tensor',
];
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];
const BAD_CHOICE: HostileName[] = ['null', 'NaN', 'zero', 'string', 'empty string', 'symbol', 'object', 'array', 'function'];
const BAD_NUMBER: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'huge',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
];
const BAD_RNG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'scalar tensor'];
const BAD_IMAGE: HostileName[] = [
  'null',
  'undefined',
  'NaN',
  'string',
  'symbol',
  'object',
  'array',
  'function',
  'disposed tensor',
  'int64 tensor',
  'bool tensor',
  'float64 tensor',
  'scalar tensor',
];
const BAD_SHAPE: HostileName[] = ['null', 'undefined', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'scalar tensor'];

const image = (): unknown => torch.randint(0, 256, [3, 6, 8], { dtype: 'uint8' });
const callOpts = (): unknown => ({ split: 'train' });
const half = (): number => 0.5;

/** The cases for one transform: its factory, its call, its plan and (if it draws) an injected rng. */
function transformCases(
  name: string,
  make: (size: unknown, o?: unknown) => Any,
  options: () => Record<string, unknown>,
  keys: Record<string, HostileName[]>,
): Case[] {
  const must = Object.fromEntries(Object.entries(keys).map(([k, v]) => [`1.${k}`, v]));
  const cases: Case[] = [
    { name, args: () => [4, options()], call: (s, o) => make(s, o), mustReject: { 0: BAD_SIZE, 1: BAD_OPTS, ...must } },
    { name, args: () => [[4, 5], options()], call: (s, o) => make(s, o), mustReject: { 0: BAD_SIZE } },
    {
      name,
      args: () => [image(), callOpts()],
      call: (img, o) => make(4, options())(img, o),
      mustReject: { 0: BAD_IMAGE, 1: BAD_OPTS, '1.split': BAD_CHOICE },
    },
    {
      name,
      args: () => [[3, 6, 8], callOpts()],
      call: (s, o) => make(4, options()).plan(s, o),
      mustReject: { 0: BAD_SHAPE, 1: BAD_OPTS, '1.split': BAD_CHOICE },
    },
  ];
  if ('rng' in options()) {
    // the rng is called on a training call: a function returning 1 (the 'function' hostile) is refused there
    cases.push({ name, args: () => [half], call: (r) => make(4, { ...options(), rng: r })(image()), mustReject: { 0: [...BAD_RNG, 'function'] } });
  }
  return cases;
}

export const cases: Case[] = [
  ...transformCases(
    'vision.Resize',
    (s, o) => Resize(s as Any, o as Any),
    () => ({ method: 'crop', padMode: 'reflection', rng: half }),
    {
      method: BAD_CHOICE,
      padMode: BAD_CHOICE,
      rng: BAD_RNG,
    },
  ),
  ...transformCases(
    'vision.Resize',
    (s, o) => Resize(s as Any, o as Any),
    () => ({ method: 'pad', padMode: 'zeros' }),
    {},
  ),
  ...transformCases(
    'vision.RandomResizedCrop',
    (s, o) => RandomResizedCrop(s as Any, o as Any),
    () => ({ minScale: 0.08, maxScale: 1, ratio: [0.75, 4 / 3], valXtra: 0.14, resample: 'torch', rng: half }),
    { minScale: BAD_NUMBER, maxScale: BAD_NUMBER, ratio: BAD_OPTS, valXtra: BAD_NUMBER, resample: BAD_CHOICE, rng: BAD_RNG },
  ),
  ...transformCases(
    'vision.CenterCrop',
    (s, o) => CenterCrop(s as Any, o as Any),
    () => ({ padMode: 'border' }),
    { padMode: BAD_CHOICE },
  ),
  { name: 'vision.ToTensor', args: () => [], call: () => ToTensor() },
  {
    name: 'vision.ToTensor',
    args: () => [image(), callOpts()],
    call: (img, o) => ToTensor()(img as Any, o as Any),
    mustReject: { 0: BAD_IMAGE, 1: BAD_OPTS, '1.split': BAD_CHOICE },
  },
];
