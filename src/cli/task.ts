// What `flint train` and `flint lr-find` train on: Fashion-MNIST or a CSV file, with a registered model sized
// small / medium / large, the matching loss and metrics; or a folder of images (image-task.ts).
import { Learner, data, metrics, models, nn, torch, type Tensor } from '../index.js';
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
  const y = (dls.train.dataset as data.TensorDataset).tensors[1]!;
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
    if (o.target || o.task) throw new torch.FlintError('--target and --task apply to --csv data only');
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
  const targetType = o.task === undefined ? undefined : o.task === 'classification' ? 'category' : 'number';
  const dls = fitBatchSize(
    limitTrain(
      data.tabularFromCsv(o.csv, {
        target: o.target,
        targetType,
        categorical: o.categorical,
        ignore: o.ignore,
        validPct: o.validPct,
        batchSize,
        device,
      }),
      o.limit,
      batchSize,
      device,
    ),
    o.batchSize,
    batchSize,
    device,
    notes,
  );
  const prep = dls.preprocessing as data.TabularPreprocessing;
  const classes = prep.vocab?.length;
  const model = models.createModel('tabular', {
    cardinalities: prep.catNames.map((c) => prep.categories[c]!.length + 1),
    nCont: prep.contNames.length,
    nOut: classes ?? 1,
    layers: TABULAR_LAYERS[size],
    yRange: classes ? null : yRange(dls),
  });
  const learn = classes
    ? new Learner(dls, model, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()], path: o.runDir })
    : new Learner(dls, model, { lossFunc: new nn.MSELossFlat(), metrics: [metrics.rmse()], path: o.runDir });
  const kind = classes ? `classification into ${classes} classes` : 'regression';
  return {
    learn,
    notes,
    description: `tabular model (${count(model)} parameters) on ${o.csv}: '${o.target}', ${kind}, from ${prep.catNames.length} categorical and ${prep.contNames.length} continuous columns (${dls.train.dataset.length} training, ${dls.valid.dataset.length} validation rows)`,
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
