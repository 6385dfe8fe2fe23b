// fastai's ActivationStats: per hooked layer and per training batch, the mean, standard deviation and share of
// near-zero activations (and optionally a histogram), reduced on the device. The numbers stay in one device buffer
// during the fit and are read to the host once, when the fit ends (or earlier, when `stats` is asked for).
import * as torch from '../torch/index.js';
import { Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import { FlintError } from '../torch/errors.js';
import { checkBool, checkInt, checkOptions, fail } from '../torch/validate.js';
import type { AroundPhase } from '../learner/events.js';
import { writeChart } from '../plot/chart.js';
import { heatmapSvg } from '../plot/activations.js';
import { curvesChart } from '../plot/learner-charts.js';
import { HookCallback, type HookCallbackOptions } from './hook.js';

export interface ActivationStatsOptions extends HookCallbackOptions {
  /** Also record a histogram of each layer's activations (fastai: 40 bins over [0, 10]). */
  withHist?: boolean;
}

function checkFile(fn: string, file: unknown): void {
  if (typeof file !== 'string' || file === '') fail(fn, 'opts.file', 'a file path (a non-empty string)', file);
}

/** One layer's numbers for one batch (fastai's dict): `nearZero` is the share of activations <= 0.05 (fastai's
 * definition, meant for activations after a ReLU: negative ones count too). */
export interface LayerBatchStats {
  mean: number;
  std: number;
  nearZero: number;
  /** Counts of the activations in 40 bins over [0, 10] (torch.histc(x, 40, 0, 10)), with withHist. */
  hist?: number[];
}

const BINS = 40;
const HIST_MIN = 0;
const HIST_MAX = 10;

/** The tensors of an output (a tensor, or nested arrays of them, as recurrent layers return), in order. */
function outputTensors(o: unknown): Tensor[] {
  if (o instanceof Tensor) return [o];
  return Array.isArray(o) ? o.flatMap(outputTensors) : [];
}

type Slot = { mean: Tensor; std: Tensor; nearZero: Tensor; hist?: Tensor };

/**
 * Records the statistics of the activations of the hooked layers (by default every leaf layer with parameters)
 * on training batches (every `every`-th with that option): fastai's ActivationStats (order -20). `stats[b][l]` is
 * layer l's numbers for recorded batch b (an array of them for a layer returning several tensors);
 * `layerStats(l)` gives its [means, stds, nearZeros] over the batches, `plotLayerStats(l, { file })` charts
 * them, and with `withHist`, `hist(l)` and `colorDim(l, { file })` give the "colorful dimension" picture.
 */
export class ActivationStats extends HookCallback {
  override order = -20;
  readonly withHist: boolean;
  // the device buffer: one row per recorded batch, per (layer, output) slot [mean, std, nearZero, ...hist]
  #buf: Tensor | null = null;
  #rows = 0;
  #slotsPerLayer: number[] | null = null;
  // rows read to the host
  #host: Float32Array[] = [];

  constructor(opts: ActivationStatsOptions = {}) {
    super(opts);
    const o = checkOptions('callbacks.ActivationStats', opts, undefined, 'opts');
    this.withHist = o.withHist === undefined ? false : checkBool('callbacks.ActivationStats', 'opts.withHist', o.withHist);
  }
  protected override extraOptionKeys(): string[] {
    return ['withHist'];
  }

  get #width(): number {
    return 3 + (this.withHist ? BINS : 0);
  }

  /** Per output tensor of the layer: its mean, std, share <= 0.05 (and histogram), as device tensors. */
  override hook(_m: Module, _i: unknown, o: unknown): unknown {
    const res = outputTensors(o).map((t): Slot => {
      const x = t.float();
      const slot: Slot = { mean: x.mean(), std: x.std(), nearZero: x.le(0.05).sum().div(x.numel()) };
      if (this.withHist) slot.hist = x.histc(BINS, HIST_MIN, HIST_MAX);
      return slot;
    });
    return o instanceof Tensor ? res[0] : res;
  }

  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit') return super.around(phase, next);
    // fastai's before_fit: fresh statistics for each fit
    this.#free();
    this.#host = [];
    this.#slotsPerLayer = null;
    let failed = true;
    try {
      await super.around(phase, next);
      failed = false;
    } finally {
      try {
        this.#read();
      } catch (e) {
        // after a failed fit (a device error...) the fit's own error is the one to report
        // biome-ignore lint/correctness/noUnsafeFinally: the read's error is thrown only when the fit itself succeeded
        if (!failed) throw e;
      } finally {
        this.#free();
      }
    }
  }

  override afterBatch(): void {
    if (this.hookedThisBatch()) this.#record(this.hooks!.stored);
    super.afterBatch();
  }

  /** Writes this batch's numbers into the next row of the device buffer (grown by doubling). */
  #record(stored: unknown[]): void {
    const perLayer = stored.map((s) => (s === undefined ? [] : Array.isArray(s) ? (s as Slot[]) : [s as Slot]));
    const counts = perLayer.map((s) => s.length);
    if (counts.every((c) => c === 0)) return; // the hooked modules did not run in this batch
    if (this.#slotsPerLayer === null) this.#slotsPerLayer = counts;
    else if (counts.join() !== this.#slotsPerLayer.join()) {
      throw new FlintError(
        `ActivationStats: the hooked layers returned [${counts.join(', ')}] tensors in this batch and ` +
          `[${this.#slotsPerLayer.join(', ')}] before; the statistics need the same outputs every batch`,
      );
    }
    torch.noGrad(() =>
      torch.tidy(() => {
        const parts = perLayer.flat().flatMap((s) => [torch.stack([s.mean, s.std, s.nearZero]), ...(s.hist ? [s.hist] : [])]);
        const row = torch.cat(parts);
        if (this.#buf === null) this.#buf = torch.zeros([64, row.shape[0]!], { device: row.device }).keep();
        else if (this.#rows === this.#buf.shape[0]) {
          const grown = torch.cat([this.#buf, torch.zeros(this.#buf.shape, { device: row.device })]).keep();
          this.#buf.dispose();
          this.#buf = grown;
        }
        this.#buf.select(0, this.#rows).copy_(row);
        this.#rows++;
      }),
    );
  }

  /** Moves the rows recorded so far to the host (one read). */
  #read(): void {
    if (this.#buf === null || this.#rows === 0) return;
    const width = this.#buf.shape[1]!;
    const data = torch.tidy(() => this.#buf!.narrow(0, 0, this.#rows).toTypedArray() as Float32Array);
    for (let r = 0; r < this.#rows; r++) this.#host.push(data.slice(r * width, (r + 1) * width));
    this.#rows = 0;
  }
  #free(): void {
    this.#buf?.dispose();
    this.#buf = null;
    this.#rows = 0;
  }

  /** Per recorded batch, per hooked layer: its numbers (an array of them for a layer with several outputs). */
  get stats(): (LayerBatchStats | LayerBatchStats[])[][] {
    this.#read();
    const counts = this.#slotsPerLayer ?? [];
    const w = this.#width;
    return this.#host.map((row) => {
      let slot = 0;
      return counts.map((c) => {
        const slots = Array.from({ length: c }, () => {
          const at = slot++ * w;
          const s: LayerBatchStats = { mean: row[at]!, std: row[at + 1]!, nearZero: row[at + 2]! };
          if (this.withHist) s.hist = Array.from(row.subarray(at + 3, at + w));
          return s;
        });
        return c === 1 ? slots[0]! : slots;
      });
    });
  }

  #layer(fn: string, idx: number): LayerBatchStats[] {
    const stats = this.stats;
    const n = this.#slotsPerLayer?.length ?? 0;
    if (n === 0) throw new FlintError(`${fn}: no statistics recorded yet (they are taken on the training batches of a fit)`);
    checkInt(fn, 'idx', idx, { min: -n, max: n - 1 });
    const i = idx < 0 ? idx + n : idx;
    if (this.#slotsPerLayer![i] !== 1) {
      throw new FlintError(`${fn}: layer ${idx} returned ${this.#slotsPerLayer![i]} tensors; its numbers per output are in stats[batch][${idx}]`);
    }
    return stats.map((b) => b[i] as LayerBatchStats);
  }

  /** Layer idx's [means, stds, nearZeros] over the recorded batches (fastai's layer_stats; negative idx counts
   * from the end). */
  layerStats(idx: number): [number[], number[], number[]] {
    return this.#layerStats('ActivationStats.layerStats', idx);
  }
  #layerStats(fn: string, idx: number): [number[], number[], number[]] {
    const l = this.#layer(fn, idx);
    return [l.map((s) => s.mean), l.map((s) => s.std), l.map((s) => s.nearZero)];
  }

  /** Layer idx's histograms, log(1 + count), as a [40, batches] tensor (bins up, batches across): fastai's hist. */
  hist(idx: number): Tensor {
    return this.#hist('ActivationStats.hist', idx);
  }
  #hist(fn: string, idx: number): Tensor {
    if (!this.withHist) throw new FlintError(`${fn}: no histograms recorded (create ActivationStats with { withHist: true })`);
    const l = this.#layer(fn, idx);
    const rows = Array.from({ length: BINS }, (_, b) => l.map((s) => Math.log1p(s.hist![b]!)));
    return torch.tensor(rows);
  }

  /** The mean, std and near-zero share of layer idx against the batch, three charts side by side (fastai's
   * plot_layer_stats). Returns the SVG; with `file`, also writes it and a PNG. */
  plotLayerStats(idx: number, opts: { file?: string } = {}): string {
    const fn = 'ActivationStats.plotLayerStats';
    const o = checkOptions(fn, opts, ['file'], 'opts');
    if (o.file !== undefined) checkFile(fn, o.file);
    const [means, stds, nearZero] = this.#layerStats(fn, idx);
    const svg = curvesChart({ mean: means!, std: stds!, '% near zero': nearZero! }, 'batch', 400, 300);
    if (o.file) writeChart(svg, o.file);
    return svg;
  }

  /** fastai's "colorful dimension" picture of layer idx: hist(idx) as a heatmap, low bins at the bottom, one
   * column per batch. Returns the SVG; with `file`, also writes it and a PNG. */
  colorDim(idx: number, opts: { file?: string } = {}): string {
    const fn = 'ActivationStats.colorDim';
    const o = checkOptions(fn, opts, ['file'], 'opts');
    if (o.file !== undefined) checkFile(fn, o.file);
    const h = this.#hist(fn, idx);
    const rows = h.toArray() as number[][];
    h.dispose();
    const svg = heatmapSvg(rows, { width: 600, height: 300 });
    if (o.file) writeChart(svg, o.file);
    return svg;
  }
}
