// What `flint train` and `flint lr-find` train on: Fashion-MNIST or a CSV file, with a registered model sized
// small / medium / large, the matching loss and metrics; or a folder of images (image-task.ts).
import { Learner, data, metrics, models, nn, tabular, torch, type Tensor } from '../index.js';
import { columnOf, splitColumns, tableOf } from '../tabular/internal.js';
import { cliMetrics } from './metrics.js';
import { buildImageTask, type ImageArch } from './image-task.js';

export type ModelSize = 'small' | 'medium' | 'large';
export const MODEL_SIZES: readonly ModelSize[] = ['small', 'medium', 'large'];
const CNN_CHANNELS: Record<ModelSize, number[]> = { small: [16, 32, 64], medium: [32, 64, 128], large: [64, 128, 256] };
const TABULAR_LAYERS: Record<ModelSize, number[]> = { small: [100, 50], medium: [200, 100], large: [400, 200] };

export interface DataOptions {
  /** A CSV file to train on (Fashion-MNIST when absent). */
  csv?: string;
  /** The CSV column to predict. */
  target?: string;
  /** classification or regression (guessed from the target's values when absent). */
  task?: 'classification' | 'regression';
  /** Columns to treat as categories even if numeric. */
  categorical?: string[];
  /** CSV columns to leave out. */
  ignore?: string[];
  validPct?: number;
  /** A CSV column of true/false marking the validation rows (instead of a random --valid-pct split). */
  validCol?: string;
  /** The random split's seed (default 42). */
  seed?: number;
  /** Metric names from the CLI catalogue (default accuracy, or rmse for a regression). */
  metrics?: string[];
  size?: ModelSize;
  batchSize?: number;
  device?: string;
  /** A folder of images labelled by their folders (in place of Fashion-MNIST or a CSV file). */
  images?: string;
  /** The architecture for --images (default resnet18). */
  arch?: ImageArch;
  /** A safetensors file of the architecture's weights for --images: fine-tuned instead of trained from scratch. */
  pretrained?: string;
  /** The side of the square images for --images (default 224). */
  imageSize?: number;
  /** Train on the first n training items only (for quick checks). */
  limit?: number;
  runDir: string;
}

export interface Task {
  learn: Learner;
  /** One line saying what is trained on what. */
  description: string;
  /** Choices made for the user, to print (a batch size lowered to fit a small training split). */
  notes: string[];
  /** Fine-tune (pretrained weights) rather than fit one cycle from scratch. */
  fineTune?: boolean;
}

/**
 * A training split smaller than the batch size gives no batch (the training loader drops its last partial one):
 * with the default batch size the CLI lowers it to the split's size and says so; a batch size asked for with
 * --batch-size that leaves nothing to train on is an error suggesting one that works.
 */
function fitBatchSize(dls: data.DataLoaders, asked: number | undefined, batchSize: number, device: string, notes: string[]): data.DataLoaders {
  const n = dls.train.dataset.length;
  if (dls.train.length > 0) return dls;
  if (n < 2) throw new torch.FlintError(`the training split has ${n} row(s); training needs at least 2 (use more data or a smaller --valid-pct)`);
  if (asked !== undefined) {
    throw new torch.FlintError(
      `--batch-size ${asked} is more than the ${n} training rows, so an epoch would have no batch; use --batch-size ${n} or less`,
    );
  }
  notes.push(`batch size ${n}: the default ${batchSize} is more than the ${n} training rows (set it with --batch-size)`);
  return rebatch(dls, n, device);
}

/** The same tensors in loaders of another batch size (the training one shuffling and dropping its last partial batch). */
function rebatch(dls: data.DataLoaders, batchSize: number, device: string): data.DataLoaders {
  const [x, y] = (dls.train.dataset as data.TensorDataset).tensors as [Tensor, Tensor];
  const [vx, vy] = (dls.valid.dataset as data.TensorDataset).tensors as [Tensor, Tensor];
  const out = data.DataLoaders.fromTensors(x, y, vx, vy, { batchSize, device });
  out.preprocessing = dls.preprocessing;
  return out;
}

function limitTrain(dls: data.DataLoaders, limit: number | undefined, batchSize: number, device: string): data.DataLoaders {
  if (limit === undefined) return dls;
  const ds = dls.train.dataset as data.TensorDataset;
  const [x, y] = ds.tensors.map((t) => t.narrow(0, 0, Math.min(limit, t.shape[0]!)).keep()) as [Tensor, Tensor];
  torch.dispose(ds.tensors); // the narrowed views keep what they need
  const valid = dls.valid.dataset as data.TensorDataset;
  const out = data.DataLoaders.fromTensors(x, y, valid.tensors[0]!, valid.tensors[1]!, { batchSize, device });
  out.preprocessing = dls.preprocessing;
  return out;
}

/** fastai's advice for regression: squash outputs into the targets' range, here the training range widened by 10%
 * each side (TabularModel's yRange), so the model starts inside it. */
function yRange(dls: data.DataLoaders): [number, number] {
  const y = (dls.train.dataset as data.TensorDataset).tensors.at(-1)!;
  const [lo, hi] = torch.tidy(() => [y.min().item(), y.max().item()]);
  const pad = (hi - lo) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

const count = (m: nn.Module): string =>
  m
    .parameters()
    .reduce((n, p) => n + p.numel(), 0)
    .toLocaleString('en-US');

/** The Learner for the data options: loaders, model (from the registry, so it exports), loss and metrics. */
export function buildTask(o: DataOptions): Task {
  if (o.images !== undefined) return imageTask(o);
  if (o.arch !== undefined || o.pretrained !== undefined || o.imageSize !== undefined) {
    const flag = o.arch !== undefined ? '--arch' : o.pretrained !== undefined ? '--pretrained' : `--size ${o.imageSize}`;
    throw new torch.FlintError(`${flag} applies to --images only (the models of Fashion-MNIST and CSV files are sized small, medium or large)`);
  }
  const notes: string[] = [];
  const device = o.device ?? (torch.cuda.isAvailable() ? 'cuda' : 'cpu');
  const batchSize = o.batchSize ?? (o.csv ? 64 : 128);
  const size = o.size ?? 'medium';
  torch.manualSeed(42);
  if (!o.csv) {
    if (o.target || o.task || o.validCol || o.metrics)
      throw new torch.FlintError('--target, --task, --valid-col and --metrics apply to --csv data only');
    const dls = fitBatchSize(limitTrain(data.fashionMnist({ batchSize, device }), o.limit, batchSize, device), o.batchSize, batchSize, device, notes);
    const model = models.createModel('simpleCnn', { nIn: 1, nOut: 10, channels: CNN_CHANNELS[size] });
    const learn = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()], path: o.runDir });
    return {
      learn,
      notes,
      description: `CNN (${count(model)} parameters) on Fashion-MNIST (${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation images)`,
    };
  }
  if (!o.target) throw new torch.FlintError('--csv needs --target, the column to predict');
  if (o.limit !== undefined) throw new torch.FlintError('limit applies to Fashion-MNIST only');
  return tabularTask(o, notes, device, size);
}

/** --csv: TabularDataLoaders (the columns inferred, --categorical ones forced categorical; the target's kind from
 * --task or guessed, said either way) and tabularLearner, sized small / medium / large. */
function tabularTask(o: DataOptions, notes: string[], device: string, size: ModelSize): Task {
  const csv = o.csv!;
  const target = o.target!;
  const log = (line: string): void => {
    // the library's words in the command line's terms
    notes.push(
      line
        .replace(/^tabular\.TabularDataLoaders: yBlock '(\w+)': /, (_, b: string) => `task ${b === 'category' ? 'classification' : b} (guessed): `)
        .replace("ask for yBlock 'category' to classify", 'pass --task classification to classify'),
    );
  };
  // fastai's cont_cat_split on the columns besides the target, then --categorical moved to the categorical side
  const fn = 'flint train';
  const table = tableOf(fn, '--csv', csv);
  for (const n of [...(o.categorical ?? []), ...(o.ignore ?? [])]) columnOf(fn, table, n, '--categorical / --ignore');
  const skip = new Set([target, ...(o.validCol ? [o.validCol] : []), ...(o.ignore ?? [])]);
  const forced = new Set(o.categorical ?? []);
  const split = splitColumns(
    fn,
    table,
    table.names.filter((n) => !skip.has(n) && !forced.has(n)),
    20,
  );
  const catNames = table.names.filter((n) => forced.has(n) || split.catNames.includes(n));
  const contNames = split.contNames;
  notes.push(
    `columns: categorical [${catNames.join(', ')}], continuous [${contNames.join(', ')}] (text, booleans and integers with at most 20 values are categorical, other numbers continuous; --categorical and --ignore change this)`,
  );
  const yBlock = o.task === undefined ? undefined : o.task === 'classification' ? 'category' : 'regression';
  const make = (batchSize: number, say: (line: string) => void): tabular.TabularDataLoaders =>
    tabular.TabularDataLoaders.fromCsv(csv, {
      yNames: target,
      yBlock,
      catNames,
      contNames,
      ...(o.validCol !== undefined ? { validCol: o.validCol } : { validPct: o.validPct ?? 0.2 }),
      seed: o.seed ?? 42,
      batchSize,
      device,
      log: say,
    });
  const asked = o.batchSize;
  let dls = make(asked ?? 64, log);
  if (dls.train.length === 0) {
    const n = dls.train.dataset.length;
    if (n < 2) throw new torch.FlintError(`the training split has ${n} row(s); training needs at least 2 (use more data or a smaller --valid-pct)`);
    if (asked !== undefined)
      throw new torch.FlintError(
        `--batch-size ${asked} is more than the ${n} training rows, so an epoch would have no batch; use --batch-size ${n} or less`,
      );
    notes.push(`batch size ${n}: the default 64 is more than the ${n} training rows (set it with --batch-size)`);
    for (const dl of [dls.train, dls.valid]) torch.dispose((dl.dataset as data.TensorDataset).tensors);
    dls = make(n, () => {}); // the same data again: its notes are said
  }
  const classes = dls.yBlock === 'category' ? dls.vocab!.length : 0;
  const metricNames = o.metrics ?? [classes ? 'accuracy' : 'rmse'];
  const learn = tabular.tabularLearner(dls, {
    layers: TABULAR_LAYERS[size],
    yRange: classes ? undefined : yRange(dls),
    metrics: cliMetrics(metricNames, classes ? 'classification' : 'regression', classes),
    path: o.runDir,
  });
  const kind = classes ? `classification into ${classes} classes` : 'regression';
  return {
    learn,
    notes,
    description: `tabular model (${count(learn.model)} parameters) on ${csv}: '${target}', ${kind}, from ${dls.catNames.length} categorical and ${dls.contNames.length} continuous columns (${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation rows)`,
  };
}

/** --images: the other data's options are errors rather than silently ignored. */
function imageTask(o: DataOptions): Task {
  const other = (
    [
      ['--csv', o.csv],
      ['--target', o.target],
      ['--task', o.task],
      ['--categorical', o.categorical],
      ['--ignore', o.ignore],
      ['--valid-col', o.validCol],
      ['--metrics', o.metrics],
    ] as const
  ).find(([, v]) => v !== undefined);
  if (other) throw new torch.FlintError(`${other[0]} does not apply to --images (the labels are the images' folder names)`);
  if (o.size !== undefined) {
    throw new torch.FlintError(`--size: with --images, give the images' side in pixels (e.g. --size 224), got '${o.size}'`);
  }
  if (o.limit !== undefined) throw new torch.FlintError('limit does not apply to --images');
  torch.manualSeed(42);
  return buildImageTask({
    images: o.images!,
    arch: o.arch,
    pretrained: o.pretrained,
    imageSize: o.imageSize,
    validPct: o.validPct,
    batchSize: o.batchSize,
    device: o.device ?? (torch.cuda.isAvailable() ? 'cuda' : 'cpu'),
    runDir: o.runDir,
  });
}
