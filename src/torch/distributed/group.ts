// The default process group (PyTorch's WORLD): made by initProcessGroup, used by every collective, dropped by
// destroyProcessGroup. One per process, as in PyTorch without new_group.
import { DistributedError, FlintError } from '../errors.js';
import { native } from '../native.js';
import type { GroupHandle } from '../native-api.js';
import { checkInt, checkOneOf, checkOptions, checkString } from '../validate.js';
import { parseRendezvous } from './init-method.js';

export type Backend = 'gloo' | 'nccl';

export interface InitProcessGroupOptions {
  /** 'gloo' (CPU tensors, and CUDA ones where libtorch has CUDA). 'nccl' needs a libtorch built with NCCL. */
  backend?: Backend;
  /** 'env://' (default: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE as torchrun sets them), 'tcp://host:port' or
   * 'file:///path'. */
  initMethod?: string;
  /** This process's rank; by default RANK from the environment. */
  rank?: number;
  /** The number of processes; by default WORLD_SIZE from the environment. */
  worldSize?: number;
  /** How long the rendezvous and each collective may wait for a peer before failing (PyTorch's default, 30 min). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const OPTIONS = ['backend', 'initMethod', 'rank', 'worldSize', 'timeoutMs'] as const;

/** One process group: this process's rank among worldSize processes. */
export class ProcessGroup {
  readonly backend: Backend;
  readonly rank: number;
  readonly worldSize: number;
  /** LOCAL_RANK from the environment (the process's index on its machine), else the rank. */
  readonly localRank: number;
  readonly timeoutMs: number;
  #h: GroupHandle | null;

  /** @internal made by initProcessGroup */
  constructor(h: GroupHandle, o: { backend: Backend; rank: number; worldSize: number; localRank: number; timeoutMs: number }) {
    this.#h = h;
    this.backend = o.backend;
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.localRank = o.localRank;
    this.timeoutMs = o.timeoutMs;
  }

  /** @internal the native group, for the collectives */
  handle(fn: string): GroupHandle {
    if (this.#h === null) throw new FlintError(`${fn}: the process group was destroyed`);
    return this.#h;
  }

  /** @internal */
  takeHandle(): GroupHandle | null {
    const h = this.#h;
    this.#h = null;
    return h;
  }
}

let world: ProcessGroup | null = null;
let pending = false;

/** Whether this build of Flint has c10d's Gloo backend. */
export function isAvailable(): boolean {
  return native.distAvailable();
}

export function isInitialized(): boolean {
  return world !== null;
}

/** The default group, or a clear error naming the call that needed it. */
export function defaultGroup(fn: string): ProcessGroup {
  if (world === null) throw new FlintError(`${fn}: the default process group is not initialized: await torch.distributed.initProcessGroup() first`);
  return world;
}

/** This process's rank in the default group. */
export function getRank(): number {
  return defaultGroup('torch.distributed.getRank').rank;
}

export function getWorldSize(): number {
  return defaultGroup('torch.distributed.getWorldSize').worldSize;
}

/** LOCAL_RANK as the launcher set it (the index of this process on its machine; e.g. for `cuda:${localRank}`). */
export function getLocalRank(): number {
  return defaultGroup('torch.distributed.getLocalRank').localRank;
}

/**
 * Joins the default process group: resolves once every rank has arrived and Gloo's connections are up, rejects
 * with a DistributedError when they do not arrive within timeoutMs.
 */
export async function initProcessGroup(options: InitProcessGroupOptions = {}): Promise<ProcessGroup> {
  const fn = 'torch.distributed.initProcessGroup';
  const o = checkOptions(fn, options, OPTIONS);
  const backend = o.backend === undefined ? 'gloo' : checkOneOf(fn, 'options.backend', o.backend, ['gloo', 'nccl'] as const);
  const initMethod = o.initMethod === undefined ? 'env://' : checkString(fn, 'options.initMethod', o.initMethod);
  const rank = o.rank === undefined ? undefined : checkInt(fn, 'options.rank', o.rank, { min: 0 });
  const worldSize = o.worldSize === undefined ? undefined : checkInt(fn, 'options.worldSize', o.worldSize, { min: 1 });
  const timeoutMs = o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkInt(fn, 'options.timeoutMs', o.timeoutMs, { min: 1, max: 2 ** 31 - 1 });
  const rv = parseRendezvous(fn, initMethod, rank, worldSize, process.env);
  if (world !== null || pending) throw new FlintError(`${fn}: the default process group is already initialized (destroyProcessGroup() first)`);
  if (backend === 'nccl') {
    throw new FlintError(
      `${fn}: backend 'nccl' is not built into Flint (its addon builds c10d's Gloo backend only); use 'gloo', which also reduces CUDA tensors`,
    );
  }
  if (!native.distAvailable()) {
    throw new FlintError(`${fn}: this build of Flint has no Gloo (c10d's CPU backend): install libgloo-dev and rebuild (npm run build:native)`);
  }
  pending = true;
  try {
    const h = await native.distInit(rv.kind, rv.where, rv.port, rv.rank, rv.worldSize, timeoutMs, rv.deviceKind, rv.deviceValue);
    world = new ProcessGroup(h, { backend, rank: rv.rank, worldSize: rv.worldSize, localRank: rv.localRank, timeoutMs });
    return world;
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const where = rv.kind === 'tcp' ? `the store at ${rv.where}:${rv.port}` : `the file store ${rv.where}`;
    throw new DistributedError(`${fn}: rank ${rv.rank} of ${rv.worldSize} could not join ${where}: ${msg}`, {
      op: 'initProcessGroup',
      rank: rv.rank,
      torchMessage: msg,
      cause: e,
    });
  } finally {
    pending = false;
  }
}

/** Leaves the default group: Gloo's threads and connections are closed (off the JS thread). */
export async function destroyProcessGroup(): Promise<void> {
  const g = defaultGroup('torch.distributed.destroyProcessGroup');
  world = null;
  const h = g.takeHandle();
  if (h !== null) await native.distDestroy(h);
}
