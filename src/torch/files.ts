// Files Flint writes: atomically (temporary file, flushed, renamed), into folders made without Node's
// recursive mkdir (Node 20's loops forever on paths such as /proc/x), cleaning up after killed writers.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { FlintError } from './errors.js';
import { checkPath, fail } from './validate.js';

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Makes `dir` and its missing parents, one level at a time, failing with a message that names `fn` and the
 * folder when a part exists but is not a folder or cannot be created.
 */
export function ensureDir(dir: string, fn = 'torch.ensureDir'): void {
  const full = resolve(checkPath(fn, 'dir', dir));
  const { root } = parse(full);
  let cur = root;
  for (const part of full.slice(root.length).split(sep).filter(Boolean)) {
    cur = join(cur, part);
    const st = statSync(cur, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st) throw new FlintError(`${fn}: cannot create the folder ${full}: ${cur} exists and is not a folder`);
    try {
      mkdirSync(cur);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(cur, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new FlintError(`${fn}: cannot create the folder ${full}: ${errText(e)}`, { cause: e });
    }
  }
}

// ".<name>.<pid>.<stamp>.h<host>.tmp": the pid tells whether its writer still runs, but only on the same host (a
// shared network folder may hold a live writer's file from another machine).
const TMP = /^\.(.+)\.(\d+)\.(\d+)(?:\.h([A-Za-z0-9_-]+))?\.tmp$/;
const HOST = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
const FOREIGN_STALE_MS = 24 * 3600 * 1000;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function olderThan(file: string, ms: number): boolean {
  const st = statSync(file, { throwIfNoEntry: false });
  return st !== undefined && Date.now() - st.mtimeMs > ms;
}

/** Removes temporary files of earlier writes of `path` whose writer process is gone (killed mid-save); those
 * of another host once they are a day old. */
export function removeStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const f of entries) {
    const m = TMP.exec(f);
    if (!m || m[1] !== name) continue;
    if (m[4] === undefined || m[4] === HOST ? alive(Number(m[2])) : !olderThan(join(dir, f), FOREIGN_STALE_MS)) continue;
    try {
      unlinkSync(join(dir, f));
      removed.push(join(dir, f));
    } catch {
      /* removed meanwhile */
    }
  }
  return removed;
}

let counter = 0;

/**
 * Writes a file atomically: a temporary file beside it, flushed, then renamed over the target, so a reader
 * sees the old file or the new one, never a part. The folder is made when missing; temporary files left by
 * killed writers of the same target are removed.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, fn = 'torch.writeFileAtomic'): void {
  checkPath(fn, 'path', path);
  if (typeof data === 'string') data = Buffer.from(data, 'utf8');
  else if (!(data instanceof Uint8Array)) fail(fn, 'data', 'a Uint8Array, Buffer or string', data);
  const dir = dirname(path);
  ensureDir(dir, fn);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}${counter++ % 1000}.h${HOST}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new FlintError(`${fn}: cannot write ${path}: ${errText(e)}`, { cause: e });
  }
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new FlintError(`${fn}: cannot write ${path}: ${errText(e)}`, { cause: e });
  }
  removeStaleTemps(path);
}
