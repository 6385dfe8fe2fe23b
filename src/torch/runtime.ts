// Process-wide switches: threads, random seed, devices, and the memory report.
import { native } from './native.js';
import { scopeDepth } from './scope.js';

/** Seeds every random op (CPU and CUDA generators), so runs are reproducible. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/**
 * Sets libtorch's intra-op thread pool. BLAS (OpenBLAS, which Debian's libtorch uses for matrix products)
 * keeps its own pool; Flint holds it at one thread unless OPENBLAS_NUM_THREADS was set, because the two pools
 * competing for the same cores made small steps several times slower (see BENCHMARKS.md).
 */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** OpenBLAS's own thread count (null where libtorch does not use OpenBLAS). */
export function setBlasThreads(n: number): boolean {
  return native.setBlasThreads(n);
}
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

/** The libtorch version Flint was built against, e.g. "1.13". */
export const libtorchVersion: string = native.torchVersion;
