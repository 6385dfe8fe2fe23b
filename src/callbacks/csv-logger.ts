// CSVLogger: each epoch's row appended to a CSV file (flushed to disk as written), a subscriber of the published
// log for the length of a fit, besides the usual output.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Callback } from '../learner/callback.js';
import { isMainProcess } from '../learner/rank.js';
import type { AroundPhase } from '../learner/events.js';
import { FlintError } from '../torch/errors.js';
import { ensureDir } from '../torch/files.js';
import { fail } from '../torch/validate.js';
import { checkPath } from '../learner/checks.js';

export class CSVLogger extends Callback {
  override order = 60;
  readonly fname: string;
  readonly append: boolean;
  constructor(fname = 'history.csv', append = false) {
    super();
    checkPath('callbacks.CSVLogger', 'fname', fname);
    if (typeof append !== 'boolean') fail('callbacks.CSVLogger', 'append', 'a boolean', append);
    this.fname = fname;
    this.append = append;
  }

  override aroundPhases: readonly AroundPhase[] = ['fit'];
  /** The file is open and subscribed for the length of a fit, closed and unsubscribed on every exit path. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit' || this.learn.validatingOnly || !isMainProcess()) return next();
    const file = join(this.learn.path, this.fname);
    ensureDir(dirname(file), 'CSVLogger');
    let fd: number;
    try {
      fd = openSync(file, this.append ? 'a' : 'w');
    } catch (e) {
      throw new FlintError(`CSVLogger: cannot write ${file}: ${(e as Error).message}`, { cause: e });
    }
    const write = (line: string): void => {
      writeSync(fd, `${line}\n`);
      fsyncSync(fd);
    };
    const unsubscribe = this.learn.logs.subscribe({
      header: (names) => write(names.join(',')),
      row: (row) => write(row.map((v) => (v === undefined ? '' : String(v))).join(',')),
    });
    try {
      await next();
    } finally {
      unsubscribe();
      closeSync(fd);
    }
  }
}
