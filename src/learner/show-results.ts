// fastai's show_results: the first items of a validation batch with their targets and the model's predictions:
// a table when the data shows as one (TabularDataLoaders), else an image grid (red when wrong) whose inputs are shown
// as the data's decodeInputs gives them back (ImageDataLoaders undoes its normalisation), or scaled to [0, 1].
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkInt, checkOptions, checkString, describe, fail, isTensorLike } from '../torch/validate.js';
import { lossActivation, lossDecodes } from '../nn/index.js';
import { DataLoader } from '../data/index.js';
import { imageGridSvg, unitRange } from '../plot/image-grid.js';
import { writeChart } from '../plot/chart.js';
import { writeFileAtomic } from '../torch/files.js';
import type { Learner } from './learner.js';

export interface ShowResultsOptions {
  maxN?: number;
  file?: string;
  /** The loader to take the batch from (default: the validation loader). */
  dl?: DataLoader<any>;
}

/** The learner's data may know how to show its inputs (ImageDataLoaders.decodeInputs). */
type Decoding = { decodeInputs?: (x: Tensor) => Tensor };

/** The model's decoded predictions for the first n items of the inputs, in eval mode without gradients. */
function decodedPreds(learn: Learner, inputs: Tensor[], n: number): Tensor {
  const fn = 'Learner.showResults';
  const wasTraining = learn.model.training;
  learn.model.eval();
  try {
    return torch.noGrad(() => {
      const out: unknown = learn.model.call(...inputs.map((x) => x.narrow(0, 0, n)));
      if (!isTensorLike(out)) throw new FlintError(`${fn}: the model returned ${describe(out)}, expected a tensor of predictions`);
      return lossDecodes(learn.lossFunc)(lossActivation(learn.lossFunc)(out as Tensor));
    });
  } finally {
    learn.model.train(wasTraining);
  }
}

export async function showResults(learn: Learner, options: ShowResultsOptions = {}): Promise<string> {
  const fn = 'Learner.showResults';
  const o = checkOptions(fn, options, ['maxN', 'file', 'dl'], 'opts');
  const maxN = o.maxN === undefined ? 9 : checkInt(fn, 'opts.maxN', o.maxN, { min: 1, max: 100 });
  if (o.file !== undefined) checkString(fn, 'opts.file', o.file);
  if (o.dl !== undefined && !(o.dl instanceof DataLoader)) fail(fn, 'opts.dl', 'a data.DataLoader', o.dl);
  const batch = await (o.dl ?? learn.dls.valid).firstBatch();
  const parts = (Array.isArray(batch) ? batch : [batch]) as Tensor[];
  try {
    const nInp = learn.dls.nInp;
    const inputs = parts.slice(0, nInp);
    const targets = parts.slice(nInp);
    if (inputs.length === 0 || !inputs.every((x) => isTensorLike(x) && x.ndim >= 1) || !isTensorLike(targets[0])) {
      throw new FlintError(`${fn}: shows inputs with targets; the batch holds ${describe(batch)}`);
    }
    const n = Math.min(maxN, inputs[0]!.shape[0]!);
    const out = torch.tidy(() => {
      const firstN = (ts: Tensor[]): Tensor[] => ts.map((t) => t.narrow(0, 0, n));
      const decoded = decodedPreds(learn, inputs, n);
      // data shown as a table (TabularDataLoaders) says so; otherwise the inputs are images
      const table = learn.dls.showResultsTable(firstN(inputs), firstN(targets), decoded);
      return table !== null ? { table } : { svg: imageGrid(learn, inputs[0]!.narrow(0, 0, n), targets[0]!.narrow(0, 0, n), decoded) };
    });
    if (out.table !== undefined) {
      if (o.file) writeFileAtomic(o.file, `${out.table}\n`, fn);
      console.log(out.table);
      return out.table;
    }
    if (o.file) writeChart(out.svg, o.file);
    return out.svg;
  } finally {
    torch.dispose(parts);
  }
}

/** The first items as an image grid captioned actual / predicted (red when wrong). */
function imageGrid(learn: Learner, xs: Tensor, ys: Tensor, decoded: Tensor): string {
  if (xs.ndim !== 4) throw new FlintError(`Learner.showResults: shows images [N, C, H, W] or a table; the inputs are ${describe(xs)}`);
  const vocab = learn.dls.preprocessing?.vocab ?? null;
  const name = (c: number): string => vocab?.[c] ?? String(c);
  const decode = (learn.dls as unknown as Decoding).decodeInputs;
  const shown = typeof decode === 'function' ? decode.call(learn.dls, xs) : unitRange(xs);
  const cells = Array.from({ length: xs.shape[0]! }, (_, i) => {
    const actual = ys.select(0, i);
    const pred = decoded.select(0, i);
    const single = actual.numel() === 1 && pred.numel() === 1;
    const a = single ? name(Number(actual.item())) : '';
    const p = single ? name(Number(pred.item())) : '';
    const image = shown.select(0, i);
    return { image: image.dtype === 'uint8' ? image : image.clamp(0, 1), caption: [a, p], color: a === p ? '#2ca02c' : '#d62728' };
  });
  return imageGridSvg(cells, { title: 'Actual / Predicted' });
}
