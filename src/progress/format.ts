// fastprogress's formats: mm:ss times and the epoch table (names padded to at least 8, joined by two
// spaces; values padded to their column width; floats with 6 decimals).

/** mm:ss, or h:mm:ss from an hour on. */
export function formatTime(seconds: number): string {
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** The header line and the column widths for a table with these names. */
export function tableHeader(names: string[]): { line: string; widths: number[] } {
  const cells = names.map((n) => n.padEnd(8));
  return { line: cells.join('  '), widths: cells.map((c) => c.length) };
}

/** One row: integers as they are, other numbers with 6 decimals, strings as they are, missing as ''. A value
 * wider than its column widens it (in `widths`, so the table's later rows line up with it) rather than running
 * into the next column. */
export function tableRow(values: (number | string | undefined)[], widths: number[]): string {
  return values
    .map((v, i) => {
      const s = v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) && i === 0 ? String(v) : v.toFixed(6)) : v;
      widths[i] = Math.max(widths[i] ?? 0, s.length);
      return s.padEnd(widths[i]!);
    })
    .join('  ')
    .trimEnd();
}
