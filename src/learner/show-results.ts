// fastai's show_results: the first items of a validation batch with their targets and the model's predictions
// (red when wrong), as an image grid; inputs are shown as the data's decodeInputs gives them back (ImageDataLoaders
// undoes its normalisation), or each image scaled to [0, 1].
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkInt, checkOptions, checkString, describe, fail, isTensorLike } from '../torch/validate.js';
import { lossActivation, lossDecodes } from '../nn/index.js';
import { DataLoader } from '../data/index.js';
import { imageGridSvg, unitRange } from '../plot/image-grid.js';
import { writeChart } from '../plot/chart.js';
import type { Learner } from './learner.js';

export interface ShowResultsOptions {
  maxN?: number;
  file?: string;
  /** The loader to take the batch from (default: the validation loader). */
  dl?: DataLoader<any>;
}

/** The learner's data may know how to show its inputs (ImageDataLoaders.decodeInputs). */
type Decoding = { decodeInputs?: (x: Tensor) => Tensor };

export async function showResults(learn: Learner, options: ShowResultsOptions = {}): Promise<string> {
  const fn = 'Learner.showResults';
  const o = checkOptions(fn, options, ['maxN', 'file', 'dl'], 'opts');
  const maxN = o.maxN === undefined ? 9 : checkInt(fn, 'opts.maxN', o.maxN, { min: 1, max: 100 });
  if (o.file !== undefined) checkString(fn, 'opts.file', o.file);
  if (o.dl !== undefined && !(o.dl instanceof DataLoader)) fail(fn, 'opts.dl', 'a data.DataLoader', o.dl);
  const batch = await (o.dl ?? learn.dls.valid).firstBatch();
  const parts = (Array.isArray(batch) ? batch : [batch]) as Tensor[];
  try {
    const [x0, y0] = parts;
    if (!isTensorLike(x0) || (x0 as Tensor).ndim !== 4 || !isTensorLike(y0)) {
      throw new FlintError(`${fn}: shows images with targets; the batch holds ${describe(batch)}`);
    }
    const x = x0 as Tensor;
    const y = y0 as Tensor;
    const vocab = learn.dls.preprocessing?.vocab ?? null;
    const name = (c: number): string => vocab?.[c] ?? String(c);
    const wasTraining = learn.model.training;
    learn.model.eval();
    let svg: string;
    try {
      svg = torch.tidy(() =>
        torch.noGrad(() => {
          const n = Math.min(maxN, x.shape[0]!);
          const xs = x.narrow(0, 0, n);
          const out: unknown = learn.model.call(xs);
          if (!isTensorLike(out)) throw new FlintError(`${fn}: the model returned ${describe(out)}, expected a tensor of predictions`);
          const decoded = lossDecodes(learn.lossFunc)(lossActivation(learn.lossFunc)(out as Tensor));
          const decode = (learn.dls as unknown as Decoding).decodeInputs;
          const shown = typeof decode === 'function' ? decode.call(learn.dls, xs) : unitRange(xs);
          const ys = y.narrow(0, 0, n);
          const cells = Array.from({ length: n }, (_, i) => {
            const actual = ys.select(0, i);
            const pred = decoded.select(0, i);
            const single = actual.numel() === 1 && pred.numel() === 1;
            const a = single ? name(Number(actual.item())) : '';
            const p = single ? name(Number(pred.item())) : '';
            const image = shown.select(0, i);
            return { image: image.dtype === 'uint8' ? image : image.clamp(0, 1), caption: [a, p], color: a === p ? '#2ca02c' : '#d62728' };
          });
          return imageGridSvg(cells, { title: 'Actual / Predicted' });
        }),
      );
    } finally {
      learn.model.train(wasTraining);
    }
    if (o.file) writeChart(svg, o.file);
    return svg;
  } finally {
    torch.dispose(parts);
  }
}
