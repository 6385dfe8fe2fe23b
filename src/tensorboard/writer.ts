// SummaryWriter: torch.utils.tensorboard's writer of TensorBoard event files (`tensorboard --logdir runs`
// reads them). Each add* appends its event at once (one write); flush() puts the file on the disk.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../torch/index.js';
import { checkInt, checkNumber, checkString, checkTensor, fail, isPlainObject, isTensorLike } from '../torch/validate.js';
import { svgToPng } from '../plot/chart.js';
import { RecordFile } from './records.js';
import {
  checkHparams,
  encodeEvent,
  histogram,
  hparamsExperiment,
  hparamsSessionEnd,
  hparamsSessionStart,
  image,
  pngImage,
  type HParamValue,
  type SummaryValue,
} from './summary.js';

/** SummaryWriter's default run folder: runs/<Mon><DD>_<HH>-<MM>-<SS>_<hostname>. */
export function defaultLogDir(now = new Date()): string {
  const month = now.toLocaleString('en-US', { month: 'short' });
  const two = (n: number): string => String(n).padStart(2, '0');
  return join('runs', `${month}${two(now.getDate())}_${two(now.getHours())}-${two(now.getMinutes())}-${two(now.getSeconds())}_${hostname()}`);
}

export class SummaryWriter {
  /** The run's folder. */
  readonly logDir: string;
  readonly #file: RecordFile;

  /** Opens a new event file in `logDir` (made if missing; default: runs/<date>_<hostname>, as SummaryWriter). */
  constructor(logDir?: string) {
    const fn = 'tensorboard.SummaryWriter';
    if (logDir !== undefined && (typeof logDir !== 'string' || logDir === '' || logDir.includes('\0'))) {
      fail(fn, 'logDir', 'a folder path (a non-empty string)', logDir);
    }
    this.logDir = logDir ?? defaultLogDir();
    this.#file = new RecordFile(this.logDir, fn);
    this.#file.write([encodeEvent({ wallTime: Date.now() / 1000, fileVersion: 'brain.Event:2' })]);
  }

  /** The event file's path. */
  get path(): string {
    return this.#file.path;
  }
  get closed(): boolean {
    return this.#file.closed;
  }

  /** A scalar (a number, or a one-element tensor: one host read), stored as float32 as TensorBoard does. */
  addScalar(tag: string, value: number | Tensor, step?: number): void {
    const fn = 'SummaryWriter.addScalar';
    checkTag(fn, tag);
    checkStep(fn, step);
    let v: number;
    if (isTensorLike(value) && checkTensor(fn, 'value', value as Tensor).numel() === 1) v = Number((value as Tensor).item());
    else if (typeof value === 'number') v = value;
    else fail(fn, 'value', 'a number or a one-element tensor', value);
    this.writeSummary(fn, [{ tag, simpleValue: v }], step);
  }

  /** The histogram of a tensor's values (SummaryWriter's default bins; one host read). */
  addHistogram(tag: string, values: Tensor, step?: number): void {
    const fn = 'SummaryWriter.addHistogram';
    checkTag(fn, tag);
    checkStep(fn, step);
    this.writeSummary(fn, [{ tag, histo: histogram(fn, checkTensor(fn, 'values', values)) }], step);
  }

  /** An image [C, H, W] (C 1, 3 or 4): uint8, or floating in [0, 1]. Stored as PNG. */
  addImage(tag: string, img: Tensor, step?: number): void {
    const fn = 'SummaryWriter.addImage';
    checkTag(fn, tag);
    checkStep(fn, step);
    this.writeSummary(fn, [{ tag, image: image(fn, checkTensor(fn, 'img', img)) }], step);
  }

  /** A chart (an SVG string from Flint's plots, as learn.showResults and recorder.plotLoss return), rendered to PNG:
   * torch's add_figure for Flint's figures. */
  addFigure(tag: string, svg: string, step?: number): void {
    const fn = 'SummaryWriter.addFigure';
    checkTag(fn, tag);
    checkString(fn, 'svg', svg);
    checkStep(fn, step);
    this.writeSummary(fn, [{ tag, image: pngImage(fn, svgToPng(svg)) }], step);
  }

  /**
   * Hyper-parameters and the metrics they gave, for TensorBoard's HParams tab: the hparams plugin's experiment,
   * session start and session end summaries, then each metric as a scalar, as torch's add_hparams writes them.
   * torch writes them into a new run (a sub-folder named by the time); these go into this writer's run, so a
   * run's other scalars are its metrics' history (give a writer on a sub-folder for torch's layout).
   */
  addHparams(hparams: Record<string, HParamValue>, metrics: Record<string, number>, step?: number): void {
    const fn = 'SummaryWriter.addHparams';
    checkHparams(fn, 'hparams', hparams);
    if (!isPlainObject(metrics)) fail(fn, 'metrics', 'an object of metric values by name', metrics);
    for (const [k, v] of Object.entries(metrics)) {
      checkTag(fn, k, `metrics.${k}`);
      checkNumber(fn, `metrics.${k}`, v, { infinite: true });
    }
    checkStep(fn, step);
    const now = Date.now() / 1000;
    this.writeSummary(fn, [hparamsExperiment(hparams, Object.keys(metrics))]);
    this.writeSummary(fn, [hparamsSessionStart(hparams, now)]);
    this.writeSummary(fn, [hparamsSessionEnd('STATUS_SUCCESS', now)]);
    for (const [k, v] of Object.entries(metrics)) this.writeSummary(fn, [{ tag: k, simpleValue: v }], step);
  }

  /** @internal Appends one event of summary values (one write). */
  writeSummary(fn: string, values: SummaryValue[], step?: number): void {
    checkStep(fn, step);
    this.#file.write([encodeEvent({ wallTime: Date.now() / 1000, step: step ?? 0, summary: { value: values } })]);
  }

  /** Puts what was written on the disk (fsync). */
  flush(): void {
    this.#file.sync();
  }

  /** Flushes and closes the file; later adds throw. Closing again does nothing. */
  close(): void {
    this.#file.close();
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

function checkTag(fn: string, tag: unknown, arg = 'tag'): void {
  if (typeof tag !== 'string' || tag === '') fail(fn, arg, 'a non-empty string', tag);
}
function checkStep(fn: string, step: unknown): void {
  if (step !== undefined) checkInt(fn, 'step', step, { min: 0 });
}
