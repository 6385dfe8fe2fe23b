// Misuse cases for the live dashboard: callbacks.Dashboard's options (checked when it is made, not at the first
// fit) and dashboard.DashboardServer: start's options (each started server is closed again) and addLiveRun.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callbacks, dashboard } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-dashboard-'));
const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function', 'scalar tensor'];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_PORT: HostileName[] = [
  'null',
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'fractional',
  'huge',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
];
const BAD_TEXT: HostileName[] = ['null', 'NaN', 'zero', 'empty string', 'symbol', 'object', 'array', 'function'];
const source = () => ({ listen: () => () => {} });

export const cases: Case[] = [
  {
    name: 'callbacks.Dashboard',
    args: () => [{ port: 0, host: '127.0.0.1', allowRemote: false, runsDir: dir, showResults: true, gradNorms: true, activations: true }],
    call: (o) => new callbacks.Dashboard(o as Any),
    mustReject: {
      0: BAD_OPTS,
      '0.port': BAD_PORT,
      '0.host': [...BAD_TEXT, 'string'],
      '0.allowRemote': BAD_FLAG,
      '0.runsDir': BAD_TEXT,
      '0.showResults': BAD_FLAG,
      '0.gradNorms': BAD_FLAG,
      '0.activations': BAD_FLAG,
    },
  },
  {
    name: 'dashboard.DashboardServer',
    args: () => [],
    call: () => new dashboard.DashboardServer(),
  },
  {
    name: 'DashboardServer.start',
    args: () => [{ port: 0, host: '127.0.0.1', allowRemote: false, runsDir: dir, token: 'a-token-of-24-characters' }],
    call: async (o) => {
      const s = new dashboard.DashboardServer();
      try {
        return (await s.start(o as Any)).port > 0;
      } finally {
        await s.close();
      }
    },
    mustReject: {
      0: BAD_OPTS,
      '0.port': BAD_PORT,
      '0.host': [...BAD_TEXT, 'string'],
      '0.allowRemote': BAD_FLAG,
      '0.runsDir': BAD_TEXT,
      '0.token': [...BAD_TEXT, 'string'],
    },
  },
  {
    name: 'DashboardServer.addLiveRun',
    args: () => [new dashboard.DashboardServer(), 'run-1', source(), dir, () => {}],
    receiver: true,
    skipArgs: [0],
    call: (s, id, src, d, stop) => (s as dashboard.DashboardServer).addLiveRun(id as Any, src as Any, d as Any, stop as Any),
    mustReject: {
      1: [...BAD_TEXT, 'array'],
      2: ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'],
      3: BAD_TEXT,
      4: ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array'],
    },
  },
];
