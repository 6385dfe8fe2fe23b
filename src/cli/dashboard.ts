// `flint dashboard [runsDir]`: the dashboard of a runs folder (past runs, and runs of other processes as their
// log.jsonl grows), served until Ctrl-C (or SIGTERM).
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { DashboardServer, isLoopback } from '../dashboard/server.js';
import { FlintError } from '../torch/errors.js';

export interface DashboardCliOptions {
  port: number;
  host?: string;
  allowRemote?: boolean;
}

/** --port: 0 (any free port) to 65535. */
export function dashboardPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError(`must be a port number from 0 (any free port) to 65535, got '${value}'`);
  return n;
}

/** Serves runsDir until the process is signalled; `log` prints the URL. */
export async function serveRuns(runsDir: string, o: DashboardCliOptions, log: (line: string) => void = console.log): Promise<void> {
  if (!statSync(runsDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new FlintError(`dashboard: ${runsDir} is not a folder (give the folder of run folders, as flint train writes into runs/)`);
  }
  if (o.host !== undefined && !isLoopback(o.host) && !o.allowRemote) {
    throw new FlintError(
      `dashboard: --host ${o.host} is reachable from other machines; add --allow-remote (every request then needs the printed token)`,
    );
  }
  const server = new DashboardServer();
  const { url } = await server.start({
    runsDir,
    port: o.port,
    ...(o.host === undefined ? {} : { host: o.host }),
    allowRemote: o.allowRemote ?? false,
  });
  log(`flint dashboard: serving ${runsDir} at ${url}`);
  log('(Ctrl-C to stop)');
  await new Promise<void>((res) => {
    const stop = (): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      res();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
}
