// The run record: a run folder's `run.json` (what was trained, with what, where; rewritten atomically) and
// `log.jsonl` (one JSON object per line, appended as the run goes: each fit's columns, batches at a bounded rate,
// every epoch's row, the end). A killed run leaves every line written before it died; a reader drops a last line
// cut short. The dashboard and `flint dashboard` read runs in this form, live or past.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FlintError } from '../torch/errors.js';
import { ensureDir, writeFileAtomic } from '../torch/files.js';
import { checkPath, checkString } from '../torch/validate.js';

/** A fit begins: its columns (as the epoch table's header) and length. */
export interface FitLine {
  type: 'fit';
  /** Seconds since the run began. */
  t: number;
  fit: number;
  names: string[];
  nEpoch: number;
}
/** A training batch, at most one per interval: the smoothed loss and the schedules' values. */
export interface BatchLine {
  type: 'batch';
  t: number;
  epoch: number;
  nEpoch: number;
  iter: number;
  nIter: number;
  /** Training batches since the run began (the x axis of the loss chart). */
  step: number;
  loss: number | null;
  lr: number | null;
  mom: number | null;
  /** Training rows per second since the previous batch line. */
  samplesPerSec: number | null;
}
/** An epoch ended: its row, keyed by the fit's column names (numbers, or the time as the table shows it). */
export interface EpochLine {
  type: 'epoch';
  t: number;
  step: number;
  row: Record<string, number | string | null>;
}
/** A fit ended, completed, cancelled (CancelFitException, Ctrl-C, a stop asked for) or failed. */
export interface EndLine {
  type: 'end';
  t: number;
  status: 'completed' | 'cancelled' | 'failed';
  error?: string;
}
/** A file of the run written during the fit (a chart, an image grid), relative to the run folder. */
export interface FileLine {
  type: 'file';
  t: number;
  kind: string;
  path: string;
  epoch?: number;
}
/** Numbers measured during the fit at a bounded rate (the dashboard's): per hooked layer, the mean and std of its
 * activations at an epoch's end ('activations', keys `<layer>/mean` and `<layer>/std`), or per parameter group the
 * gradients' L2 norm at a step ('gradNorms', keys `group<i>`). */
export interface StatsLine {
  type: 'stats';
  t: number;
  /** The training batch measured at (as BatchLine's step). */
  step: number;
  epoch: number;
  kind: 'activations' | 'gradNorms';
  values: Record<string, number>;
}
export type RunLine = FitLine | BatchLine | EpochLine | EndLine | FileLine | StatsLine;
const LINE_TYPES: readonly string[] = ['fit', 'batch', 'epoch', 'end', 'file', 'stats'];

/** run.json: the run's description. */
export interface RunInfo {
  started: string;
  /** 'running' until the last fit ends. */
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  ended: string | null;
  pid: number;
  hyper: Record<string, unknown>;
  env: Record<string, unknown>;
  fits: number;
}

export const RUN_INFO = 'run.json';
export const RUN_LOG = 'log.jsonl';

/** Appends lines to a run folder's log.jsonl and keeps its run.json. The log is open from open() to close() (a
 * fit), so a process holds no descriptor between fits. */
export class RunRecordWriter {
  readonly dir: string;
  #fd: number | null = null;
  readonly #t0 = performance.now();
  readonly #fn: string;
  info: RunInfo;

  constructor(dir: string, info: Omit<RunInfo, 'status' | 'ended' | 'pid' | 'fits' | 'started'>, fn: string) {
    this.dir = dir;
    this.#fn = fn;
    ensureDir(dir, fn);
    this.info = { started: new Date().toISOString(), status: 'running', ended: null, pid: process.pid, fits: 0, ...info };
  }

  /** Seconds since the writer was made. */
  get t(): number {
    return Math.round(performance.now() - this.#t0) / 1000;
  }

  /** Opens log.jsonl for appending (nothing when open). */
  open(): void {
    if (this.#fd !== null) return;
    const file = join(this.dir, RUN_LOG);
    try {
      this.#fd = openSync(file, 'a');
    } catch (e) {
      throw new FlintError(`${this.#fn}: cannot write ${file}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** One line, handed to the OS at once (a killed process loses nothing written). */
  append(line: RunLine): void {
    if (this.#fd === null) throw new FlintError(`${this.#fn}: the run record of ${this.dir} is not open (lines are written during a fit)`);
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
  }

  writeInfo(): void {
    writeFileAtomic(join(this.dir, RUN_INFO), `${JSON.stringify(this.info, null, 2)}\n`);
  }

  /** Closes log.jsonl (nothing when closed). */
  close(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    closeSync(fd);
  }
}

/** The lines of a log.jsonl text: a last line without its newline (cut short by a kill) or that does not parse is
 * left out, as are lines of unknown types (a newer writer's). */
export function parseRunLog(text: string): RunLine[] {
  checkString('callbacks.parseRunLog', 'text', text);
  const out: RunLine[] = [];
  const end = text.lastIndexOf('\n');
  for (const line of text.slice(0, end + 1).split('\n')) {
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue; // a line torn by a crash of the writer's machine, not the process
    }
    if (v !== null && typeof v === 'object' && LINE_TYPES.includes((v as { type?: string }).type ?? '')) out.push(v as RunLine);
  }
  return out;
}

/** A run folder's run.json, or null when missing or unreadable (a run being written, a folder of other files). */
export function readRunInfo(dir: string): RunInfo | null {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, RUN_INFO), 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as RunInfo) : null;
  } catch {
    return null;
  }
}

/** A run folder's record: its run.json (null when missing or unreadable) and log lines. */
export function readRunRecord(dir: string): { info: RunInfo | null; lines: RunLine[] } {
  checkPath('callbacks.readRunRecord', 'dir', dir);
  const info = readRunInfo(dir);
  let text = '';
  try {
    text = readFileSync(join(dir, RUN_LOG), 'utf8');
  } catch {
    text = '';
  }
  return { info, lines: parseRunLog(text) };
}
