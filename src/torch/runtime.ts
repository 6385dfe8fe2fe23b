// Process-wide switches: threads, random seed, devices, and the memory report.
import { availableParallelism } from 'node:os';
import { native } from './native.js';
import type { MallocTuning } from './native-api.js';
import { scopeDepth } from './scope.js';
import { fail } from './validate.js';

/** Seeds every random op (CPU and CUDA generators), so runs are reproducible. A seed is a non-negative safe
 * integer (the native side casts it to uint64: Infinity or NaN there would be undefined behaviour). */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    fail('torch.manualSeed', 'seed', `an integer in [0, ${Number.MAX_SAFE_INTEGER}]`, seed);
  }
  native.manualSeed(seed);
}

// More threads than this is a mistake (libtorch would try to start them all), not a configuration.
const MAX_THREADS = 1024;
function threadCount(fn: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) fail(fn, 'n', `an integer in [1, ${MAX_THREADS}]`, n);
  return n;
}

// Threads. Debian's libtorch does matrix products in OpenBLAS, whose own thread pool sits beside libtorch's
// intra-op pool. When both have several threads they oversubscribe the cores: on a 2-core machine the MLP
// step took 2.2-2.6x longer with 2 + 2 threads than with 2 + 1 (BENCHMARKS.md). Flint therefore sizes the BLAS pool
// from the intra-op pool, cores / intra-op threads (at least 1), now and on every setNumThreads, unless the
// user pinned it with OPENBLAS_NUM_THREADS (or setBlasThreads).
let blasPinned = process.env.OPENBLAS_NUM_THREADS !== undefined;

function applyBlasPolicy(): void {
  if (blasPinned) return;
  native.setBlasThreads(Math.max(1, Math.floor(availableParallelism() / native.getNumThreads())));
}
applyBlasPolicy();

/** Sets libtorch's intra-op thread pool (and, unless pinned, the BLAS pool to cores / n). */
export function setNumThreads(n: number): void {
  native.setNumThreads(threadCount('torch.setNumThreads', n));
  applyBlasPolicy();
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** Pins OpenBLAS's thread count (false where libtorch does not use OpenBLAS). */
export function setBlasThreads(n: number): boolean {
  threadCount('torch.setBlasThreads', n);
  blasPinned = true;
  return native.setBlasThreads(n);
}
/** OpenBLAS's thread count (null where libtorch does not use OpenBLAS). */
export function getBlasThreads(): number | null {
  return native.getBlasThreads();
}
/** libtorch's description of its thread pools. */
export function parallelInfo(): string {
  return native.parallelInfo();
}

export const cuda = {
  isAvailable: (): boolean => native.cudaDeviceCount() > 0,
  deviceCount: (): number => native.cudaDeviceCount(),
  /** Waits for queued GPU work (for timing). */
  synchronize: (): void => native.cudaSynchronize(),
};

/** Returns freed host memory to the OS (glibc's malloc_trim), so RSS reflects live memory; for leak checks. */
export function trimHostMemory(): boolean {
  return native.trimHostMemory();
}

export interface MemoryInfo {
  /** Tensor handles alive now (not yet disposed or collected). */
  liveTensors: number;
  /** Sum of their sizes in bytes (numel x element size; views count at their own size). */
  bytes: number;
  /** Open torch.tidy scopes. */
  scopes: number;
}
export function memory(): MemoryInfo {
  const m = native.memory() as { liveTensors: number; bytes: number };
  return { liveTensors: m.liveTensors, bytes: m.bytes, scopes: scopeDepth() };
}

/** How host memory for large tensors is kept: 'on' when glibc's malloc keeps freed blocks of up to 1 GiB for reuse
 * instead of unmapping them (set when the addon loads: a fresh mapping is page-faulted in on every batch, about 4x
 * the cost of the op that fills it); 'off' with FLINT_MALLOC_TUNING=0, 'user' when MALLOC_* or GLIBC_TUNABLES
 * malloc settings of the user's are in force, 'refused' or 'unsupported' (not glibc) otherwise. */
export const mallocTuning: MallocTuning = native.mallocTuning;

/** The libtorch version Flint was built against, e.g. "1.13". */
export const libtorchVersion: string = native.torchVersion;
