// Misuse cases for the `schedule` namespace: the makers' arguments, and the position each schedule is called at.
import { schedule } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

const VALUE: HostileName[] = ['null', 'undefined', 'NaN', 'Infinity', '-Infinity', 'BigInt', 'string', 'symbol', 'object', 'array', 'function'];
const POS: HostileName[] = ['null', 'undefined', 'NaN', 'Infinity', '-Infinity', 'negative', 'huge', 'BigInt', 'string', 'object', 'array'];
type Maker = (...a: unknown[]) => schedule.Schedule;
const s = schedule as unknown as Record<string, Maker>;

/** The maker's arguments then the position, each poisoned; the schedule is called at pos. */
function sched(name: string, args: () => unknown[], mustReject: Case['mustReject']): Case {
  const n = args().length;
  return {
    name: `schedule.${name}`,
    args: () => [...args(), 0.5],
    call: (...a) => s[name]!(...a.slice(0, n))(a[n] as number),
    mustReject: { ...mustReject, [n]: POS },
  };
}

export const cases: Case[] = [
  sched('SchedLin', () => [0.1, 1], { 0: VALUE, 1: VALUE }),
  sched(
    'SchedLin',
    () => [
      [0.1, 0.2],
      [1, 2],
    ],
    { 0: [...VALUE, 'empty string'], 1: VALUE },
  ),
  sched('SchedCos', () => [0.1, 1], { 0: VALUE, 1: VALUE }),
  sched('SchedNo', () => [0.1, 0.1], { 0: VALUE, 1: VALUE.filter((h) => h !== 'undefined') }),
  sched('SchedExp', () => [1e-7, 10], { 0: [...VALUE, 'zero', 'negative'], 1: [...VALUE, 'zero', 'negative'] }),
  sched('SchedPoly', () => [1, 0, 2], { 0: VALUE, 1: VALUE, 2: [...VALUE, 'negative'] }),
  sched(
    'combineScheds',
    () => [
      [0.3, 0.7],
      [schedule.SchedLin(0, 1), schedule.SchedCos(1, 0)],
    ],
    { 0: ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'zero'], 1: ['null', 'undefined', 'string', 'object', 'array', 'zero'] },
  ),
  // shares that do not sum to 1, negative or NaN shares, schedules that are not functions
  {
    name: 'schedule.combineScheds',
    args: () => [0.3, 0.7],
    call: (a, b) => schedule.combineScheds([a as number, b as number], [schedule.SchedNo(1), schedule.SchedNo(2)])(0.5),
    mustReject: {
      0: ['NaN', 'negative', 'huge', 'Infinity', 'zero', 'string', 'null'],
      1: ['NaN', 'negative', 'huge', 'Infinity', 'zero', 'string', 'null'],
    },
  },
  {
    name: 'schedule.combineScheds',
    args: () => [schedule.SchedNo(1)],
    call: (f) => schedule.combineScheds([0.5, 0.5], [schedule.SchedNo(0), f as schedule.Schedule])(0.7),
    mustReject: { 0: ['null', 'undefined', 'zero', 'string', 'object'] },
  },
  sched('combinedCos', () => [0.25, 0.1, 1, 0], { 0: ['NaN', 'negative', 'huge', 'Infinity', 'string', 'null'], 1: VALUE, 2: VALUE, 3: VALUE }),
];
