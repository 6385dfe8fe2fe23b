// CSVLogger: each epoch's row appended to a CSV file (flushed to disk as written), besides the usual output.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Callback } from '../learner/callback.js';
import { FlintError } from '../torch/errors.js';
import { ensureDir } from '../torch/files.js';
import { fail } from '../torch/validate.js';
import { checkPath } from '../learner/checks.js';
import type { Recorder } from './recorder.js';
import type { LogRow } from '../learner/index.js';

export class CSVLogger extends Callback {
  override order = 60;
  private fd: number | null = null;
  private oldLogger: ((row: LogRow) => void) | null = null;
  readonly fname: string;
  readonly append: boolean;
  constructor(fname = 'history.csv', append = false) {
    super();
    checkPath('callbacks.CSVLogger', 'fname', fname);
    if (typeof append !== 'boolean') fail('callbacks.CSVLogger', 'append', 'a boolean', append);
    this.fname = fname;
    this.append = append;
  }
  override beforeFit(): void {
    if (this.learn.validatingOnly) return;
    const file = join(this.learn.path, this.fname);
    ensureDir(dirname(file), 'CSVLogger');
    try {
      this.fd = openSync(file, this.append ? 'a' : 'w');
    } catch (e) {
      throw new FlintError(`CSVLogger: cannot write ${file}: ${(e as Error).message}`, { cause: e });
    }
    const names = this.learn.cb<Recorder>('recorder')?.metricNames ?? [];
    this.write(names.join(','));
    this.oldLogger = this.learn.logger;
    this.learn.logger = (row) => {
      this.write(row.map((v) => (v === undefined ? '' : String(v))).join(','));
      this.oldLogger!(row);
    };
  }
  private write(line: string): void {
    writeSync(this.fd!, `${line}\n`);
    fsyncSync(this.fd!);
  }
  override afterFit(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.oldLogger) this.learn.logger = this.oldLogger;
    this.oldLogger = null;
  }
}
