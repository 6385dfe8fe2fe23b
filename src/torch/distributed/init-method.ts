// Where the ranks meet, read as PyTorch reads it: 'env://' (torchrun's MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE),
// 'tcp://host:port' or 'file:///path'; and where Gloo's own sockets bind.
import { fail } from '../validate.js';

export interface Rendezvous {
  kind: 'tcp' | 'file';
  /** The TCP store's host, or the file store's path. */
  where: string;
  port: number;
  rank: number;
  worldSize: number;
  localRank: number;
  deviceKind: 'hostname' | 'interface' | 'default';
  deviceValue: string;
}

type Env = Record<string, string | undefined>;

function envInt(fn: string, env: Env, name: string, rule: { min: number; max?: number }): number | undefined {
  const s = env[name];
  if (s === undefined || s === '') return undefined;
  const v = Number(s);
  if (!/^\s*\d+\s*$/.test(s) || v < rule.min || (rule.max !== undefined && v > rule.max)) {
    fail(fn, `the environment variable ${name}`, `an integer >= ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`, s);
  }
  return v;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Gloo binds its sockets to the loopback address when the store is on this machine's loopback (a one-machine run
 * stays off the network), to GLOO_SOCKET_IFNAME's interface when set (PyTorch's variable), else to the address this
 * machine's hostname resolves to (PyTorch's default). */
function glooDevice(env: Env, host: string | null): Pick<Rendezvous, 'deviceKind' | 'deviceValue'> {
  const ifname = env.GLOO_SOCKET_IFNAME?.split(',')[0]?.trim();
  if (ifname) return { deviceKind: 'interface', deviceValue: ifname };
  if (host !== null && isLoopback(host)) return { deviceKind: 'hostname', deviceValue: host === '::1' ? '::1' : '127.0.0.1' };
  return { deviceKind: 'default', deviceValue: '' };
}

export function parseRendezvous(fn: string, initMethod: string, rank: number | undefined, worldSize: number | undefined, env: Env): Rendezvous {
  const size = worldSize ?? envInt(fn, env, 'WORLD_SIZE', { min: 1 });
  if (size === undefined) fail(fn, 'options.worldSize', 'a world size (or the WORLD_SIZE environment variable, as torchrun sets it)', undefined);
  const r = rank ?? envInt(fn, env, 'RANK', { min: 0 });
  if (r === undefined) fail(fn, 'options.rank', 'a rank (or the RANK environment variable, as torchrun sets it)', undefined);
  if ((r as number) >= (size as number)) fail(fn, 'rank', `a rank in [0, ${size})`, r);
  const localRank = envInt(fn, env, 'LOCAL_RANK', { min: 0 }) ?? (r as number);
  const common = { rank: r as number, worldSize: size as number, localRank };
  if (initMethod === 'env://') {
    const host = env.MASTER_ADDR;
    if (!host) fail(fn, 'the environment variable MASTER_ADDR', "the store's host (initMethod 'env://' reads it, as torchrun sets it)", host);
    const port = envInt(fn, env, 'MASTER_PORT', { min: 1, max: 65535 });
    if (port === undefined) fail(fn, 'the environment variable MASTER_PORT', "the store's port (initMethod 'env://' reads it)", undefined);
    return { kind: 'tcp', where: host as string, port: port as number, ...common, ...glooDevice(env, host as string) };
  }
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(initMethod);
  if (tcp) {
    const host = (tcp[1] as string).replace(/^\[|\]$/g, '');
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) fail(fn, 'options.initMethod', 'a port in 1..65535', initMethod);
    return { kind: 'tcp', where: host, port, ...common, ...glooDevice(env, host) };
  }
  if (initMethod.startsWith('file://')) {
    const path = decodeURIComponent(initMethod.slice('file://'.length));
    if (!path.startsWith('/')) fail(fn, 'options.initMethod', "an absolute path after 'file://' (file:///tmp/store)", initMethod);
    return { kind: 'file', where: path, port: 0, ...common, ...glooDevice(env, null) };
  }
  return fail(fn, 'options.initMethod', "'env://', 'tcp://host:port' or 'file:///path'", initMethod);
}
