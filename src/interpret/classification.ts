// fastai's ClassificationInterpretation: a classifier's predictions on a loader (the validation one by default),
// with per-item losses, to look at what it got wrong: the confusion matrix, the most confused pairs, the top losses.
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkBool, checkInt, checkOptions, checkString, describe, fail, isTensorLike } from '../torch/validate.js';
import { DataLoader } from '../data/index.js';
import type { BaseLearner } from '../learner/index.js';
import { confusionMatrixSvg } from '../plot/confusion.js';
import { imageGridSvg, unitRange } from '../plot/image-grid.js';
import { writeChart } from '../plot/chart.js';

export interface InterpretationOptions {
  /** The loader to interpret (default: the learner's validation loader). */
  dl?: DataLoader<any>;
}

/** Undoes the data's normalisation for display: the preprocessing's statistics when it has them, else each image
 * scaled to [0, 1]. */
function displayable(x: Tensor, stats: { mean: number[]; std: number[]; statsShape: number[] } | null): Tensor {
  return torch.tidy(() => {
    if (stats) {
      const mean = torch.tensor(stats.mean).reshape(stats.statsShape).to({ device: x.device });
      const std = torch.tensor(stats.std).reshape(stats.statsShape).to({ device: x.device });
      return x.float().mul(std).add(mean).clamp(0, 1);
    }
    return unitRange(x);
  });
}

export class ClassificationInterpretation {
  /** Probabilities [n, classes], targets [n], decoded predictions [n], per-item losses [n], inputs (first). */
  readonly preds: Tensor;
  readonly targs: Tensor;
  readonly decoded: Tensor;
  readonly losses: Tensor;
  readonly inputs: Tensor;
  /** The class names (or the class indices as strings when the data has no vocabulary). */
  readonly vocab: string[];
  readonly #stats: { mean: number[]; std: number[]; statsShape: number[] } | null;

  private constructor(
    r: { preds: Tensor; targs: Tensor; decoded: Tensor; losses: Tensor; inputs: Tensor },
    vocab: string[],
    stats: { mean: number[]; std: number[]; statsShape: number[] } | null,
  ) {
    this.preds = r.preds;
    this.targs = r.targs;
    this.decoded = r.decoded;
    this.losses = r.losses;
    this.inputs = r.inputs;
    this.vocab = vocab;
    this.#stats = stats;
  }

  /** Runs the learner over the loader (fastai's from_learner: getPreds with inputs, decoded predictions and losses). */
  static async fromLearner(learn: BaseLearner, options: InterpretationOptions = {}): Promise<ClassificationInterpretation> {
    const fn = 'interpret.ClassificationInterpretation.fromLearner';
    if (learn === null || typeof learn !== 'object' || typeof (learn as { getPreds?: unknown }).getPreds !== 'function') {
      fail(fn, 'learn', 'a Learner', learn);
    }
    const o = checkOptions(fn, options, ['dl'], 'opts');
    if (o.dl !== undefined && !(o.dl instanceof DataLoader)) fail(fn, 'opts.dl', 'a data.DataLoader', o.dl);
    const r = await learn.getPreds({ dl: o.dl, withInput: true, withDecoded: true, withLoss: true });
    const owned = [r.preds, r.targets, r.inputs, r.decoded, r.losses];
    if (r.targs === null || !r.inputs || !r.decoded || !r.losses) {
      torch.dispose(owned);
      throw new FlintError(`${fn}: the loader's batches have no targets, so there is nothing to compare the predictions with`);
    }
    if (r.preds.ndim !== 2 || r.decoded.ndim !== 1 || r.targs.ndim !== 1 || !isIndex(r.targs)) {
      const got = `predictions ${describe(r.preds)} and targets ${describe(r.targs)}`;
      torch.dispose(owned);
      throw new FlintError(`${fn}: a single-label classifier is expected (probabilities [n, classes], class-index targets [n]); got ${got}`);
    }
    const nClasses = r.preds.shape[1]!;
    const pre = learn.dls.preprocessing;
    const vocab = pre?.vocab ?? Array.from({ length: nClasses }, (_, i) => String(i));
    const stats = pre?.kind === 'image' ? { mean: pre.mean, std: pre.std, statsShape: pre.statsShape } : null;
    for (const t of r.targets.slice(1)) t.dispose();
    return new ClassificationInterpretation({ preds: r.preds, targs: r.targs, decoded: r.decoded, losses: r.losses, inputs: r.inputs }, vocab, stats);
  }

  /** cm[actual][predicted]: how many items of each class were predicted as each class (fastai's confusion_matrix). */
  confusionMatrix(): number[][] {
    const n = this.vocab.length;
    const flat = torch.tidy(() => {
      const idx = this.targs.long().mul(n).add(this.decoded.long());
      return Array.from(idx.bincount(null, n * n).toTypedArray() as BigInt64Array, Number);
    });
    return Array.from({ length: n }, (_, i) => flat.slice(i * n, (i + 1) * n));
  }

  /** The off-diagonal pairs (actual, predicted, count) seen at least minVal times, most frequent first (fastai's
   * most_confused). */
  mostConfused(minVal = 1): [string, string, number][] {
    checkInt('ClassificationInterpretation.mostConfused', 'minVal', minVal, { min: 0 });
    const cm = this.confusionMatrix();
    const out: [string, string, number][] = [];
    cm.forEach((row, i) =>
      row.forEach((v, j) => {
        if (i !== j && v >= minVal && v > 0) out.push([this.vocab[i]!, this.vocab[j]!, v]);
      }),
    );
    return out.sort((a, b) => b[2] - a[2]);
  }

  /** The k largest (or smallest) per-item losses and their items' indices (fastai's top_losses). */
  topLosses(k?: number, largest = true): { losses: number[]; indices: number[] } {
    const fn = 'ClassificationInterpretation.topLosses';
    const n = this.losses.shape[0]!;
    const kk = k === undefined ? n : checkInt(fn, 'k', k, { min: 1, max: n });
    checkBool(fn, 'largest', largest);
    return torch.tidy(() => {
      const [values, indices] = this.losses.topk(kk, 0, largest, true);
      return { losses: Array.from(values!.toTypedArray() as Float32Array), indices: Array.from(indices!.toTypedArray() as BigInt64Array, Number) };
    });
  }

  /** fastai's plot_confusion_matrix; returns the SVG, and with `file` writes it and a PNG. */
  plotConfusionMatrix(options: { normalize?: boolean; title?: string; file?: string } = {}): string {
    const fn = 'ClassificationInterpretation.plotConfusionMatrix';
    const o = checkOptions(fn, options, ['normalize', 'title', 'file'], 'opts');
    if (o.file !== undefined) checkString(fn, 'opts.file', o.file);
    const svg = confusionMatrixSvg(this.confusionMatrix(), this.vocab, { normalize: o.normalize, title: o.title });
    if (o.file) writeChart(svg, o.file);
    return svg;
  }

  /** fastai's plot_top_losses: the k items with the largest losses, as images when the inputs are images, each
   * captioned predicted / actual / loss / probability of the actual class. Returns the SVG; `file` writes it and a PNG. */
  plotTopLosses(k = 9, options: { largest?: boolean; file?: string } = {}): string {
    const fn = 'ClassificationInterpretation.plotTopLosses';
    const o = checkOptions(fn, options, ['largest', 'file'], 'opts');
    if (o.file !== undefined) checkString(fn, 'opts.file', o.file);
    const x = this.inputs;
    const isImage = x.ndim === 4 || (x.ndim === 3 && x.shape.length === 3);
    if (!isImage) throw new FlintError(`${fn}: the inputs are ${describe(x)}, not images; use topLosses() for the numbers`);
    const { losses, indices } = this.topLosses(Math.min(checkInt(fn, 'k', k, { min: 1 }), x.shape[0]!), o.largest ?? true);
    const svg = torch.tidy(() => {
      const cells = indices.map((i, r) => {
        let img = x.select(0, i);
        if (img.ndim === 2) img = img.unsqueeze(0);
        const actual = Number(this.targs.select(0, i).item());
        const predicted = Number(this.decoded.select(0, i).item());
        const prob = this.preds.select(0, i).select(0, actual).item();
        return {
          image: displayable(img, this.#stats),
          caption: [`${this.vocab[predicted]} / ${this.vocab[actual]}`, `${losses[r]!.toFixed(2)} / ${prob.toFixed(2)}`],
          color: predicted === actual ? 'black' : '#d62728',
        };
      });
      return imageGridSvg(cells, { title: 'Prediction / Actual / Loss / Probability' });
    });
    if (o.file) writeChart(svg, o.file);
    return svg;
  }

  /** Frees the tensors it holds. */
  dispose(): void {
    torch.dispose([this.preds, this.targs, this.decoded, this.losses, this.inputs]);
  }
}

function isIndex(t: unknown): boolean {
  return isTensorLike(t) && !torch.isFloating((t as Tensor).dtype) && (t as Tensor).dtype !== 'bool';
}
