// `flint launch`: torchrun's interface for Node scripts. Starts N processes of one script with torchrun's
// environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT), streams their
// output through and supervises them: the first failure (or a signal to the launcher) stops the rest, SIGTERM then
// SIGKILL after a grace period, and the launcher only returns once every process is gone. Pure Node: no torch here.
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type AddressInfo, createServer } from 'node:net';
import { ArgumentError } from '../torch/errors.js';

export interface LaunchOptions {
  /** The script each process runs (`node script ...args`). */
  script: string;
  /** The script's own arguments, passed through untouched. */
  args?: string[];
  /** Processes on this machine (default 1). */
  nprocPerNode?: number;
  /** Machines taking part (default 1). */
  nnodes?: number;
  /** This machine's rank among them, 0..nnodes-1 (default 0). */
  nodeRank?: number;
  /** The address of the machine of node rank 0 (default 127.0.0.1; required with nnodes > 1). */
  masterAddr?: string;
  /** The port of the rank-0 process's TCP store (default 29500). */
  masterPort?: number;
  /** How long stopped processes get between SIGTERM (or a forwarded signal) and SIGKILL (default 30 s, torchrun's). */
  graceMs?: number;
}

const FN = 'flint launch';
/** Lines of each process's stderr kept for the failure report. */
const TAIL_LINES = 20;
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Forwarded = (typeof FORWARDED)[number];

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function intIn(v: unknown, arg: string, min: number, max: number, expected: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ArgumentError(FN, arg, expected, shown(v));
  return v;
}

interface Checked {
  script: string;
  args: string[];
  nproc: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  graceMs: number;
}

function check(o: LaunchOptions): Checked {
  if (o === null || typeof o !== 'object') throw new ArgumentError(FN, 'options', 'an object', shown(o));
  const known = ['script', 'args', 'nprocPerNode', 'nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'graceMs'];
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new ArgumentError(FN, 'options', `only the options ${known.join(', ')}`, shown(unknown));
  const nproc = intIn(o.nprocPerNode ?? 1, '--nproc-per-node', 1, 4096, 'a positive integer');
  const nnodes = intIn(o.nnodes ?? 1, '--nnodes', 1, 65536, 'a positive integer');
  const nodeRank = intIn(o.nodeRank ?? 0, '--node-rank', 0, nnodes - 1, `an integer from 0 to ${nnodes - 1} (--nnodes ${nnodes})`);
  const masterPort = intIn(o.masterPort ?? 29500, '--master-port', 1, 65535, 'a port number from 1 to 65535');
  if (o.masterAddr === undefined && nnodes > 1) {
    // torchrun would default to 127.0.0.1 and leave the other machines waiting for a store that is not there
    throw new ArgumentError(FN, '--master-addr', `the address of the machine with --node-rank 0 (required with --nnodes ${nnodes})`, 'none');
  }
  const masterAddr = o.masterAddr ?? '127.0.0.1';
  if (typeof masterAddr !== 'string' || !/^[^\s]+$/.test(masterAddr)) {
    throw new ArgumentError(FN, '--master-addr', 'a host name or IP address', shown(masterAddr));
  }
  const graceMs = o.graceMs ?? 30_000;
  if (typeof graceMs !== 'number' || !(graceMs >= 0 && graceMs <= 2 ** 31 - 1)) {
    throw new ArgumentError(FN, 'graceMs', 'a number of milliseconds from 0 to 2^31-1', shown(graceMs));
  }
  const args = o.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new ArgumentError(FN, 'args', 'an array of strings', shown(args));
  if (typeof o.script !== 'string' || o.script === '') throw new ArgumentError(FN, 'script', 'the path of a script', shown(o.script));
  const script = resolvePath(o.script);
  let isFile = false;
  try {
    isFile = statSync(script).isFile();
  } catch {
    throw new ArgumentError(FN, 'script', 'an existing script file', `${shown(o.script)} (no such file)`);
  }
  if (!isFile) throw new ArgumentError(FN, 'script', 'a script file', `${shown(o.script)} (not a file)`);
  return { script, args: [...args], nproc, nnodes, nodeRank, masterAddr, masterPort, graceMs };
}

/** The last lines written to a stream (a progress bar's \r-rewritten line counts as its final state). */
class Tail {
  #lines: string[] = [];
  #partial = '';
  #decoder = new StringDecoder('utf8');

  push(chunk: Buffer): void {
    const parts = (this.#partial + this.#decoder.write(chunk)).split('\n');
    this.#partial = (parts.pop() ?? '').slice(-4000);
    for (const line of parts) this.#add(line);
  }

  #add(line: string): void {
    const noCr = line.replace(/\r+$/, '');
    const last = noCr.slice(noCr.lastIndexOf('\r') + 1);
    this.#lines.push(last.length > 500 ? `${last.slice(0, 500)}...` : last);
    if (this.#lines.length > TAIL_LINES) this.#lines.shift();
  }

  lines(): string[] {
    const rest = (this.#partial + this.#decoder.end()).replace(/\r+$/, '');
    const all = rest === '' ? this.#lines : [...this.#lines, rest.slice(rest.lastIndexOf('\r') + 1)];
    return all.slice(-TAIL_LINES);
  }
}

interface Worker {
  rank: number;
  localRank: number;
  child: ChildProcess;
  pid: number | undefined;
  tail: Tail;
  /** Set once the process is gone: its exit code or the signal that ended it (or why it never started). */
  end?: { code: number | null; signal: NodeJS.Signals | null; error?: string };
  /** Set when the launcher signalled it (its exit then is not a failure of its own). */
  stopped?: boolean;
  closed: Promise<void>;
}

function outcome(w: Worker): string {
  const e = w.end;
  if (!e) return 'still running';
  if (e.error !== undefined) return `could not start (${e.error})`;
  return e.signal ? `was killed by signal ${e.signal}` : `exited with code ${e.code}`;
}

const failed = (w: Worker): boolean => w.end !== undefined && (w.end.error !== undefined || w.end.signal !== null || w.end.code !== 0);

/** Sends a signal to a process's group (its own, since it is started detached), so its children get it too. */
function signalGroup(w: Worker, sig: NodeJS.Signals): void {
  if (w.pid === undefined) return;
  try {
    process.kill(-w.pid, sig);
  } catch {
    // the group is empty (ESRCH): everything in it is gone already
  }
}

/**
 * Runs `nprocPerNode` processes of `script` with torchrun's environment and supervises them; resolves with the
 * launcher's exit code: 0 when all exit 0, 1 when one fails, 128 + the signal's number (130 for SIGINT, 143 for
 * SIGTERM) when the launcher was signalled first. It never calls process.exit and never returns while any process
 * it started (or a process those started in their process group) is still running.
 */
export async function launch(options: LaunchOptions): Promise<number> {
  const c = check(options);
  const log = (s: string): void => {
    process.stderr.write(`${FN}: ${s}\n`);
  };
  const worldSize = c.nnodes * c.nproc;
  const base: NodeJS.ProcessEnv = { ...process.env };
  if (base.OMP_NUM_THREADS === undefined && c.nproc > 1) {
    base.OMP_NUM_THREADS = '1';
    log('setting OMP_NUM_THREADS=1 for each process (as torchrun does) so that they do not overload the machine; set it yourself to tune it');
  }

  const workers: Worker[] = [];
  let cause: { kind: 'failure'; worker: Worker } | { kind: 'signal'; signal: Forwarded } | { kind: 'start'; message: string } | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let allExited: () => void = () => {};
  const exited = new Promise<void>((r) => {
    allExited = r;
  });
  const alive = (): Worker[] => workers.filter((w) => w.end === undefined);

  const stop = (sig: NodeJS.Signals): void => {
    for (const w of alive()) {
      w.stopped = true;
      signalGroup(w, sig);
    }
    if (killTimer === undefined && alive().length > 0) {
      killTimer = setTimeout(() => {
        for (const w of alive()) {
          log(`rank ${w.rank} (pid ${w.pid}) did not stop within ${c.graceMs / 1000} s of ${sig}: sending SIGKILL`);
          signalGroup(w, 'SIGKILL');
        }
      }, c.graceMs);
    }
  };

  const onExit = (w: Worker): void => {
    if (failed(w) && !w.stopped && cause === undefined) {
      cause = { kind: 'failure', worker: w };
      if (alive().length > 0) log(`rank ${w.rank} (pid ${w.pid}) ${outcome(w)}: stopping the other processes (SIGTERM)`);
      stop('SIGTERM');
    }
    if (alive().length === 0) allExited();
  };

  const onSignal = (sig: Forwarded): void => {
    if (cause === undefined) cause = { kind: 'signal', signal: sig };
    log(`got ${sig}: passing it on to ${alive().length} process${alive().length === 1 ? '' : 'es'}`);
    stop(sig);
  };
  // if the launcher itself dies in an unexpected way (process.exit, an uncaught error), take the processes along
  const onLauncherExit = (): void => {
    for (const w of alive()) signalGroup(w, 'SIGKILL');
  };
  for (const s of FORWARDED) process.on(s, onSignal);
  process.on('exit', onLauncherExit);

  try {
    for (let local = 0; local < c.nproc && cause === undefined; local++) {
      const rank = c.nodeRank * c.nproc + local;
      const env: NodeJS.ProcessEnv = {
        ...base,
        RANK: String(rank),
        LOCAL_RANK: String(local),
        WORLD_SIZE: String(worldSize),
        LOCAL_WORLD_SIZE: String(c.nproc),
        GROUP_RANK: String(c.nodeRank),
        MASTER_ADDR: c.masterAddr,
        MASTER_PORT: String(c.masterPort),
      };
      // Detached: each process leads its own process group, so a terminal's Ctrl-C reaches only the launcher,
      // which passes it on exactly once (a second SIGINT would force-kill a Flint fit), and stopping a process
      // stops whatever it started too (torchrun 2.x does the same: start_new_session and killpg).
      let child: ChildProcess;
      try {
        child = spawn(process.execPath, [c.script, ...c.args], { env, stdio: ['inherit', 'inherit', 'pipe'], detached: true });
      } catch (e) {
        cause = { kind: 'start', message: `could not start rank ${rank}: ${(e as Error).message}` };
        stop('SIGTERM');
        break;
      }
      const tail = new Tail();
      const closed = new Promise<void>((r) => child.once('close', () => r()));
      const w: Worker = { rank, localRank: local, child, pid: child.pid, tail, closed };
      workers.push(w);
      child.stderr?.on('data', (b: Buffer) => {
        process.stderr.write(b);
        tail.push(b);
      });
      child.once('exit', (code, signal) => {
        w.end ??= { code, signal };
        onExit(w);
      });
      child.once('error', (e: NodeJS.ErrnoException) => {
        // a process that could not be started emits no 'exit'
        if (w.end === undefined && child.pid === undefined) {
          w.end = { code: null, signal: null, error: e.code ?? e.message };
          onExit(w);
        }
      });
    }
    if (alive().length === 0) allExited();
    await exited;
  } finally {
    // only reached with processes running when something above threw: they go too
    for (const w of alive()) signalGroup(w, 'SIGKILL');
    if (killTimer !== undefined) clearTimeout(killTimer);
    for (const s of FORWARDED) process.removeListener(s, onSignal);
    process.removeListener('exit', onLauncherExit);
  }
  // After a stop, whatever the processes left behind in their groups is stopped as well.
  if (cause !== undefined) for (const w of workers) signalGroup(w, 'SIGKILL');
  // The last stderr lines can still be in the pipe after 'exit'; wait for them, but not forever (a process's own
  // detached children may hold the pipe open).
  let wait: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(workers.map((w) => w.closed)),
    new Promise<void>((r) => {
      wait = setTimeout(r, 2000);
    }),
  ]);
  clearTimeout(wait);
  for (const w of workers) w.child.stderr?.destroy();

  if (cause === undefined) return 0;
  if (cause.kind === 'signal') {
    log(`stopped by ${cause.signal}`);
    return 128 + constants.signals[cause.signal];
  }
  if (cause.kind === 'start') {
    log(cause.message);
    return 1;
  }
  const first = cause.worker;
  const lines = [`${options.script} failed: rank ${first.rank} (local rank ${first.localRank}, pid ${first.pid}) ${outcome(first)}`];
  const tail = first.tail.lines();
  lines.push(tail.length === 0 ? `  rank ${first.rank} wrote nothing to stderr` : `  the last lines of rank ${first.rank}'s stderr:`);
  for (const l of tail) lines.push(`    | ${l}`);
  const others = workers.filter((w) => w !== first);
  if (others.length > 0)
    lines.push(`  the others: ${others.map((w) => `rank ${w.rank} ${w.stopped ? `(stopped) ${outcome(w)}` : outcome(w)}`).join(', ')}`);
  log(lines.join('\n'));
  return 1;
}

/** A TCP port free on 127.0.0.1 now (the kernel's pick), for a one-machine run's store. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A command line without one option and its value (`--name v` or `--name=v`). */
export function withoutOption(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === name) i++;
    else if (!a.startsWith(`${name}=`)) out.push(a);
  }
  return out;
}
