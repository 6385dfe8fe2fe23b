// Multi-process tests: start N ranks of a worker script on 127.0.0.1 and collect what each printed. Every child is
// killed when the run ends, passes or fails, so no test leaves a process behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/cli/launch.js';

export { freePort };

export interface RankResult {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The JSON the worker printed on its line starting with "RESULT ". */
  result: any;
}

/** test/workers/<name>.worker.js in the build tree. */
export function workerPath(name: string): string {
  return fileURLToPath(new URL(`./workers/${name}.worker.js`, import.meta.url));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `worldSize` ranks of the worker with torchrun's environment; rejects if they do not all end within limitMs. */
export async function runRanks(
  worker: string,
  worldSize: number,
  opts: { args?: string[]; env?: Record<string, string>; limitMs?: number; port?: number } = {},
): Promise<RankResult[]> {
  const port = opts.port ?? (await freePort());
  const children: ChildProcess[] = [];
  try {
    const runs = Array.from({ length: worldSize }, (_, rank) => {
      const child = spawn(process.execPath, [workerPath(worker), ...(opts.args ?? [])], {
        env: {
          ...process.env,
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: String(worldSize),
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(port),
          ...opts.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => {
        stdout += d;
      });
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      return new Promise<RankResult>((resolve) => {
        child.on('close', (code, signal) => {
          const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
          resolve({ rank, code, signal, stdout, stderr, result: line ? JSON.parse(line.slice(7)) : undefined });
        });
      });
    });
    const limitMs = opts.limitMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${worker}: the ranks did not all end within ${limitMs} ms`)), limitMs);
    });
    try {
      return await Promise.race([Promise.all(runs), limit]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

/** For workers: print the result line the test reads. */
export function report(result: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}
