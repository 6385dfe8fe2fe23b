// The choices made for the user when they are not given, each with its reason (printed once): which columns are
// categorical or continuous (fastai's cont_cat_split rule) and what kind of target the table has.
import * as torch from '../torch/index.js';
import { checkArray, checkInt, checkOptions, checkString } from '../torch/validate.js';
import type { Column, Table } from './columns.js';
import { cellText, columnOf, tableOf } from './columns.js';

/** fastai's cont_cat_split: a column of non-integer numbers (or with missing numbers) is continuous, so is one of
 * integers with more than maxCard distinct values; integers with at most maxCard values, booleans and text are
 * categorical. A column mixing numbers and text is refused (a typo would make it thousands of categories). */
export function splitColumns(fn: string, t: Table, names: string[], maxCard: number): { catNames: string[]; contNames: string[] } {
  const catNames: string[] = [];
  const contNames: string[] = [];
  for (const n of names) {
    const c = t.columns.get(n)!;
    if (c.mixed) {
      const [num, text] = c.mixed;
      throw new torch.FlintError(
        `${fn}: ${t.source}: column '${n}' mixes numbers (${t.place(num)}: ${cellText(c.values[num])}) and text (${t.place(text)}: ${cellText(c.values[text])}); fix the value, or list the column in catNames`,
      );
    }
    if (c.kind === 'float' || (c.kind === 'integer' && new Set(c.values).size > maxCard)) contNames.push(n);
    else catNames.push(n);
  }
  return { catNames, contNames };
}

/** fastai's cont_cat_split on a table (a CSV file, row objects or columns): its columns split into categorical and
 * continuous ones, the target (depVar) and the ignored columns left out. */
export function contCatSplit(
  source: unknown,
  options: { maxCard?: number; depVar?: string | string[]; ignore?: string[] } = {},
): { catNames: string[]; contNames: string[] } {
  const fn = 'tabular.contCatSplit';
  const o = checkOptions(fn, options, ['maxCard', 'depVar', 'ignore']);
  const t = tableOf(fn, 'source', source);
  const maxCard = o.maxCard === undefined ? 20 : checkInt(fn, 'options.maxCard', o.maxCard, { min: 0 });
  const list = (arg: string, v: unknown): string[] =>
    v === undefined
      ? []
      : checkArray<string>(fn, arg, typeof v === 'string' ? [v] : v, 'a column name or an array of them').map((n, i) => {
          columnOf(fn, t, checkString(fn, `${arg}[${i}]`, n), arg);
          return n;
        });
  const skip = [...list('options.depVar', o.depVar), ...list('options.ignore', o.ignore)];
  return splitColumns(
    fn,
    t,
    t.names.filter((n) => !skip.includes(n)),
    maxCard,
  );
}

export type YBlock = 'category' | 'regression' | 'multiCategory';

/** fastai's guess: numeric targets are a regression, any other a classification; with the reason. */
export function guessYBlock(cols: Column[]): { yBlock: YBlock; why: string } {
  const numeric = cols.every((c) => c.kind === 'integer' || c.kind === 'float');
  const names = cols.map((c) => `'${c.name}'`).join(', ');
  if (!numeric)
    return { yBlock: 'category', why: `the target ${names} holds ${cols.length > 1 ? 'non-numeric values' : 'text'}, so this is a classification` };
  const distinct = cols.length === 1 ? new Set(cols[0]!.values.filter((v) => !Number.isNaN(v))).size : 0;
  const ints = cols.length === 1 && cols[0]!.kind === 'integer' ? ` (${distinct} distinct integers)` : '';
  return {
    yBlock: 'regression',
    why: `the target ${names} holds numbers${ints}, so this is a regression; ask for yBlock 'category' to classify`,
  };
}
