// TFRecord framing and the event file: each record is its length (uint64 LE), the masked CRC-32C of those 8
// bytes, the data, and the masked CRC-32C of the data. The file is opened once and appended to with writeSync, one
// write per batch of records, so a reader (TensorBoard, while training runs) sees whole records as they come.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FlintError } from '../torch/errors.js';
import { ensureDir } from '../torch/files.js';
import { fail } from '../torch/validate.js';
import { maskedCrc32c } from './crc32c.js';

/** One record, framed. */
export function encodeRecord(data: Uint8Array): Buffer {
  if (!(data instanceof Uint8Array)) fail('tensorboard.encodeRecord', 'data', 'a Uint8Array (or Buffer)', data);
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// SummaryWriter's process-wide counter: two files made in the same second by one process get distinct names
let fileCount = 0;

/** `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<n>`, the name torch.utils.tensorboard gives. */
export function eventFileName(nowMs = Date.now()): string {
  const secs = String(Math.floor(nowMs / 1000)).padStart(10, '0');
  return `events.out.tfevents.${secs}.${hostname()}.${process.pid}.${fileCount++}`;
}

/** An append-only file of TFRecords. */
export class RecordFile {
  readonly path: string;
  #fd: number | null;

  /** Creates the folder if needed and opens a new event file in it; `fn` names the caller in errors. */
  constructor(dir: string, fn: string) {
    ensureDir(dir, fn);
    this.path = join(dir, eventFileName());
    try {
      this.#fd = openSync(this.path, 'a');
    } catch (e) {
      throw new FlintError(`${fn}: cannot write ${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  get closed(): boolean {
    return this.#fd === null;
  }

  /** Appends the records in one write (looping only if the system writes part of it). */
  write(records: readonly Uint8Array[]): void {
    const fd = this.#open('write');
    const buf = Buffer.concat(records.map(encodeRecord));
    try {
      for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
    } catch (e) {
      throw new FlintError(`SummaryWriter: cannot write ${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Flushes what was written to the disk. */
  sync(): void {
    fsyncSync(this.#open('flush'));
  }

  /** Flushes and closes the file (again: nothing). */
  close(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  #open(what: string): number {
    if (this.#fd === null) throw new FlintError(`SummaryWriter.${what}: the writer of ${this.path} is closed`);
    return this.#fd;
  }
}
