// A benchmark child process that answers one line per command on stdin; its first line is a JSON ready message.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

// Let the previous process's thread pools go idle first: OpenMP workers spin for a while after their work.
const SETTLE_MS = 100;

export interface Child {
  name: string;
  info: Record<string, unknown>;
  ask(cmd: string): Promise<string>;
  close(): void;
}

export async function startChild(proc: ChildProcessWithoutNullStreams, name: string): Promise<Child> {
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  proc.stderr.on('data', (d) => process.stderr.write(`[${name}] ${d}`));
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`${name}: the benchmark process ended early`);
    return r.value;
  };
  const info = JSON.parse(await next()) as Record<string, unknown>;
  return {
    name,
    info,
    async ask(cmd: string): Promise<string> {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      proc.stdin.write(`${cmd}\n`);
      return next();
    },
    close: () => proc.stdin.end(),
  };
}
