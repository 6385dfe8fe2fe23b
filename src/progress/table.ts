// The epoch table as plain lines (what fastprogress prints when output is not a terminal): the header before
// each fit's first row, then one row per epoch.
import { tableHeader, tableRow } from './format.js';

export function tableLogger(names: () => string[], write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)):
  (row: (number | string | undefined)[]) => void {
  let widths: number[] | null = null;
  let header = '';
  return (row) => {
    const h = tableHeader(names());
    // a new fit starts at epoch 0; the header is also due whenever the columns change
    if (row[0] === 0 || widths === null || h.line !== header) {
      write(h.line.trimEnd());
      header = h.line;
      widths = h.widths;
    }
    write(tableRow(row, widths));
  };
}
