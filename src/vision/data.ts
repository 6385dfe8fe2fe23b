// fastai's ImageDataLoaders: image files and their labels into a training and a validation loader. Items are read
// and decoded off the JS thread (an asynchronous dataset: batches are built ahead while one trains), resized by the
// item transforms on the host, collated as uint8, then IntToFloatTensor and the batch transforms run on the batch's
// device (augmentations on the training loader only).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkArray, checkBool, checkFunction, checkInt, checkNumber, checkOptions, checkString, describe, fail, named } from '../torch/validate.js';
import { type AsyncDataset, DataLoader, DataLoaders, type ImagePreprocessing } from '../data/index.js';
import { imageGridSvg } from '../plot/image-grid.js';
import { writeChart } from '../plot/chart.js';
import { checkMode, type ImageMode } from '../torch/image.js';
import { readImage } from './image.js';
import type { ItemTransform } from './item-transforms.js';
import { itemDraws } from './item-draws.js';
import { applyBatchTfms, type BatchTransform, decodeBatchTfms, IntToFloatTensor, Normalize, ordered } from './augment.js';
import { fusedAugment } from './fused-augment.js';

/** fastai's image_extensions (those the addon decodes), lower case with the dot. */
export const imageExtensions: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export interface ImageDataLoadersOptions {
  itemTfms?: ItemTransform | ItemTransform[];
  batchTfms?: BatchTransform | BatchTransform[];
  batchSize?: number;
  /** The validation share of a random split (fastai's valid_pct), when there is no given split. */
  validPct?: number;
  /** The random split's seed (fastai's seed). */
  seed?: number;
  device?: string;
  /** Leave out files that cannot be read or decoded (counted in `dls.skipped`) instead of failing. */
  skipBad?: boolean;
  /** Colour mode of the decoded images (default 'RGB'). */
  mode?: ImageMode;
  /** Batches built ahead while one trains (default 2). */
  prefetch?: number;
}
const COMMON = ['itemTfms', 'batchTfms', 'batchSize', 'validPct', 'seed', 'device', 'skipBad', 'mode', 'prefetch'] as const;

/** A labelled image: its file and its target (a class index, or for multi-label the indices of its classes). */
interface Item {
  path: string;
  y: number | number[];
}

/** The images of a split as an asynchronous dataset: items [image uint8 [C, H, W], target]. */
class ImageDataset implements AsyncDataset<[Tensor, Tensor]> {
  readonly async = true as const;
  constructor(
    readonly items: Item[],
    private readonly tfms: ItemTransform[],
    private readonly split: 'train' | 'valid',
    private readonly mode: ImageMode,
    private readonly nClasses: number,
    private readonly skip: ((path: string, reason: string) => void) | null,
  ) {}
  get length(): number {
    return this.items.length;
  }
  async get(i: number): Promise<[Tensor, Tensor] | null> {
    const it = this.items[i];
    if (it === undefined) fail('ImageDataLoaders', 'index', `an item index below ${this.items.length}`, i);
    // seeded before the decoding starts, in request order (a validation image, or one without item transforms,
    // draws nothing)
    const rng = this.split === 'train' && this.tfms.length > 0 ? itemDraws() : undefined;
    let img: Tensor;
    try {
      img = await readImage(it.path, { mode: this.mode });
    } catch (e) {
      if (this.skip === null) throw e;
      this.skip(it.path, e instanceof Error ? e.message : describe(e));
      return null;
    }
    for (const t of this.tfms) img = t(img, { split: this.split, rng });
    let y: Tensor;
    if (Array.isArray(it.y)) {
      // multi-label: a multi-hot float target, as fastai's MultiCategoryBlock
      const hot = new Array<number>(this.nClasses).fill(0);
      for (const c of it.y) hot[c] = 1;
      y = torch.tensor(hot);
    } else {
      y = torch.tensor(it.y, { dtype: 'int64' });
    }
    return [img, y];
  }
}

/** Image files below a folder (recursively), sorted (fastai's get_image_files). */
export function getImageFiles(path: string): string[] {
  const fn = 'vision.getImageFiles';
  checkString(fn, 'path', path);
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      throw new FlintError(`${fn}: cannot list ${JSON.stringify(dir)} (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && imageExtensions.has(extname(n).toLowerCase())) out.push(p);
    }
  };
  walk(path);
  return out;
}

/** An array of strings, each checked (errors name the item). */
function strings(fn: string, arg: string, v: unknown, what: string): string[] {
  return checkArray<string>(fn, arg, v, what).map((x, i) => checkString(fn, `${arg}[${i}]`, x));
}

function asList<T>(fn: string, arg: string, v: T | T[] | undefined, check: (x: unknown) => boolean, what: string): T[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  list.forEach((x, i) => {
    if (!check(x)) fail(fn, `${arg}[${i}]`, what, x);
  });
  return list;
}

/** A random split (fastai's RandomSplitter): the first validPct of a seeded permutation is the validation set. */
function randomSplit(n: number, validPct: number, seed: number | undefined): { train: number[]; valid: number[] } {
  const perm = torch.tidy(() => {
    const p = seed === undefined ? torch.randperm(n) : torch.randpermSeeded(n, seed);
    return Array.from(p.toTypedArray() as BigInt64Array, Number);
  });
  const cut = Math.floor(validPct * n);
  return { valid: perm.slice(0, cut).sort((a, b) => a - b), train: perm.slice(cut).sort((a, b) => a - b) };
}

export class ImageDataLoaders extends DataLoaders {
  /** The class names (sorted, as fastai's CategoryBlock vocab). */
  readonly vocab: string[];
  /** The batch transforms, IntToFloatTensor first (the same list on both loaders; augmentations act on training only). */
  readonly batchTfms: BatchTransform[];
  /** Files left out because they could not be read or decoded (with skipBad). */
  readonly skipped: { path: string; reason: string }[];
  readonly multiLabel: boolean;

  private constructor(
    train: DataLoader<any>,
    valid: DataLoader<any>,
    device: string,
    vocab: string[],
    batchTfms: BatchTransform[],
    multiLabel: boolean,
    skipped: { path: string; reason: string }[],
  ) {
    super(train, valid, device);
    this.skipped = skipped;
    this.vocab = vocab;
    this.batchTfms = batchTfms;
    this.multiLabel = multiLabel;
  }

  /** The loaders from labelled files split into training and validation (every factory ends here). */
  static #make(fn: string, train: Item[], valid: Item[], vocab: string[], multiLabel: boolean, options: unknown): ImageDataLoaders {
    const o = checkOptions<ImageDataLoadersOptions>(fn, options as ImageDataLoadersOptions, COMMON, 'opts');
    const itemTfms = asList(fn, 'opts.itemTfms', o.itemTfms, (x) => typeof x === 'function', 'an item transform (vision.Resize(...))')
      .map((t, i) => ({ t, i }))
      .sort((a, b) => (a.t.order ?? 0) - (b.t.order ?? 0) || a.i - b.i)
      .map(({ t }) => t);
    const user = asList<BatchTransform>(
      fn,
      'opts.batchTfms',
      o.batchTfms,
      (x) => x !== null && typeof x === 'object' && typeof (x as BatchTransform).apply === 'function',
      'a batch transform (vision.augTransforms())',
    );
    const batchSize = o.batchSize === undefined ? 64 : checkInt(fn, 'opts.batchSize', o.batchSize, { min: 1 });
    const skipBad = o.skipBad === undefined ? false : checkBool(fn, 'opts.skipBad', o.skipBad);
    const mode = checkMode(fn, { mode: o.mode });
    const device = o.device === undefined ? 'cpu' : checkString(fn, 'opts.device', o.device);
    if (train.length === 0) throw new FlintError(`${fn}: no training images were found`);
    const batchTfms = user.some((t) => t instanceof IntToFloatTensor) ? user : [new IntToFloatTensor(), ...user];
    const skipped: { path: string; reason: string }[] = [];
    const skip = skipBad ? (path: string, reason: string) => skipped.push({ path, reason }) : null;
    const loader = (items: Item[], split: 'train' | 'valid'): DataLoader<any> =>
      new DataLoader(new ImageDataset(items, itemTfms, split, mode, vocab.length, skip), {
        batchSize,
        shuffle: split === 'train',
        dropLast: split === 'train' && items.length > batchSize,
        device,
        prefetch: o.prefetch,
        seed: o.seed,
        // the list as it is at each batch: visionLearner adds the pretrained weights' Normalize to it
        // training batches are augmented off the JS thread when the pipeline allows it (fused-augment.ts)
        afterBatch: (b) => (split === 'train' ? fusedAugment(ordered(fn, batchTfms), b) : null) ?? applyBatchTfms(batchTfms, b, { split }),
      });
    // the loaders' own checks (prefetch, device...) name the factory called
    const dls = named(fn, () => new ImageDataLoaders(loader(train, 'train'), loader(valid, 'valid'), device, vocab, batchTfms, multiLabel, skipped));
    const norm = batchTfms.find((t): t is Normalize => t instanceof Normalize);
    const size = itemTfms
      .map((t) => (t as { size?: [number, number] }).size)
      .filter((s) => s !== undefined)
      .at(-1);
    // the last Resize's method, so predict on new images resizes them as validation did
    const resize = itemTfms
      .map((t) => t as { method?: 'crop' | 'pad' | 'squish'; padMode?: 'reflection' | 'zeros' | 'border' })
      .filter((t) => t.method !== undefined && t.padMode !== undefined)
      .at(-1);
    const channels = mode === 'L' ? 1 : mode === 'RGBA' ? 4 : 3;
    const pre: ImagePreprocessing = {
      kind: 'image',
      divisor: 255,
      mean: norm ? [...norm.mean] : [0],
      std: norm ? [...norm.std] : [1],
      statsShape: norm ? [norm.mean.length, 1, 1] : [1, 1, 1],
      itemShape: [channels, ...(size ?? [1, 1])],
      vocab,
      ...(resize ? { resize: { method: resize.method!, padMode: resize.padMode! } } : {}),
    };
    dls.preprocessing = pre;
    return dls;
  }

  /** Labels from a function of each file's path (fastai's from_path_func / from_name_func). */
  static fromNameFunc(path: string, fnames: string[], labelFunc: (file: string) => string, options: ImageDataLoadersOptions = {}): ImageDataLoaders {
    const fn = 'vision.ImageDataLoaders.fromNameFunc';
    checkString(fn, 'path', path);
    const files = strings(fn, 'fnames', fnames, 'an array of image file paths');
    checkFunction(fn, 'labelFunc', labelFunc);
    const labels = files.map((f, i) => {
      const l: unknown = labelFunc(f);
      if (typeof l !== 'string' || l === '') fail(fn, `labelFunc(fnames[${i}])`, 'a class name (a non-empty string)', l);
      return l as string;
    });
    return ImageDataLoaders.#fromLabels(
      fn,
      files.map((f) => join(path, f)),
      labels,
      options,
    );
  }

  /** Labels from a regular expression's first group on each file's name (fastai's from_name_re). */
  static fromNameRe(path: string, fnames: string[], pat: RegExp | string, options: ImageDataLoadersOptions = {}): ImageDataLoaders {
    const fn = 'vision.ImageDataLoaders.fromNameRe';
    if (typeof pat !== 'string' && !(pat instanceof RegExp)) fail(fn, 'pat', 'a regular expression with a group', pat);
    const re = typeof pat === 'string' ? new RegExp(pat) : pat;
    return ImageDataLoaders.fromNameFunc(
      path,
      fnames,
      (f) => {
        const m = re.exec(basename(f));
        if (!m || m[1] === undefined) throw new FlintError(`${fn}: ${JSON.stringify(basename(f))} does not match ${re} (with a group for the label)`);
        return m[1];
      },
      options,
    );
  }

  /** Image files and their labels, split at random by validPct (default 0.2; fastai's from_lists). */
  static fromLists(path: string, fnames: string[], labels: string[], options: ImageDataLoadersOptions = {}): ImageDataLoaders {
    const fn = 'vision.ImageDataLoaders.fromLists';
    checkString(fn, 'path', path);
    const files = strings(fn, 'fnames', fnames, 'an array of image file paths');
    const ls = strings(fn, 'labels', labels, 'an array of class names');
    if (ls.length !== files.length) fail(fn, 'labels', `${files.length} labels, one per file`, labels);
    return ImageDataLoaders.#fromLabels(
      fn,
      files.map((f) => join(path, f)),
      ls,
      options,
    );
  }

  /** Items split by the given validation indices, or at random by validPct (default 0.2) with the seed. */
  static #split(
    fn: string,
    items: Item[],
    vocab: string[],
    multiLabel: boolean,
    o: ImageDataLoadersOptions,
    validIdx?: Set<number>,
  ): ImageDataLoaders {
    const split = validIdx
      ? { train: items.map((_, i) => i).filter((i) => !validIdx.has(i)), valid: [...validIdx].sort((a, b) => a - b) }
      : randomSplit(
          items.length,
          o.validPct === undefined ? 0.2 : checkNumber(fn, 'opts.validPct', o.validPct, { min: 0, max: 1 }),
          o.seed === undefined ? undefined : checkInt(fn, 'opts.seed', o.seed, { min: 0 }),
        );
    const pick = (ids: number[]): Item[] => ids.map((i) => items[i]!);
    return ImageDataLoaders.#make(fn, pick(split.train), pick(split.valid), vocab, multiLabel, o);
  }

  static #fromLabels(fn: string, files: string[], labels: string[], options: ImageDataLoadersOptions, validIdx?: Set<number>): ImageDataLoaders {
    const o = checkOptions<ImageDataLoadersOptions>(fn, options, COMMON, 'opts');
    const vocab = [...new Set(labels)].sort();
    const items = files.map((path, i) => ({ path, y: vocab.indexOf(labels[i]!) }));
    return ImageDataLoaders.#split(fn, items, vocab, false, o, validIdx);
  }

  /**
   * Labels from the folder each image is in (fastai's from_folder): `path/train/<label>/...` and `path/valid/<label>/...`
   * (folder names `train`, `valid`), or with validPct every image below `path` split at random by a seeded permutation.
   */
  static fromFolder(path: string, options: ImageDataLoadersOptions & { train?: string; valid?: string } = {}): ImageDataLoaders {
    const fn = 'vision.ImageDataLoaders.fromFolder';
    checkString(fn, 'path', path);
    const { train = 'train', valid = 'valid', ...rest } = checkOptions(fn, options, [...COMMON, 'train', 'valid'], 'opts');
    checkString(fn, 'opts.train', train);
    checkString(fn, 'opts.valid', valid);
    const label = (f: string): string => basename(dirname(f));
    const haveSplit = rest.validPct === undefined && statSync(join(path, train), { throwIfNoEntry: false })?.isDirectory();
    if (!haveSplit) {
      const files = named(fn, () => getImageFiles(path));
      if (files.length === 0) throw new FlintError(`${fn}: no images (${[...imageExtensions].join(', ')}) below ${JSON.stringify(path)}`);
      return ImageDataLoaders.#fromLabels(fn, files, files.map(label), rest);
    }
    const t = named(fn, () => getImageFiles(join(path, train)));
    const v = statSync(join(path, valid), { throwIfNoEntry: false })?.isDirectory() ? named(fn, () => getImageFiles(join(path, valid))) : [];
    if (t.length === 0) throw new FlintError(`${fn}: no images below ${JSON.stringify(join(path, train))}`);
    const all = [...t, ...v];
    return ImageDataLoaders.#fromLabels(fn, all, all.map(label), rest, new Set(v.map((_, i) => t.length + i)));
  }

  /**
   * File names and labels from a CSV file (fastai's from_csv / from_df): `fnCol` and `labelCol` (indices or header
   * names), labels split by `labelDelim` for multi-label, `validCol` (true/1 marks validation) or a random split.
   */
  static fromCsv(
    path: string,
    csvFname = 'labels.csv',
    options: ImageDataLoadersOptions & {
      fnCol?: number | string;
      labelCol?: number | string;
      labelDelim?: string;
      validCol?: number | string;
      folder?: string;
      suff?: string;
    } = {},
  ): ImageDataLoaders {
    const fn = 'vision.ImageDataLoaders.fromCsv';
    checkString(fn, 'path', path);
    checkString(fn, 'csvFname', csvFname);
    const {
      fnCol = 0,
      labelCol = 1,
      labelDelim,
      validCol,
      folder = '',
      suff = '',
      ...rest
    } = checkOptions(fn, options, [...COMMON, 'fnCol', 'labelCol', 'labelDelim', 'validCol', 'folder', 'suff'], 'opts');
    let rows: string[][];
    const file = join(path, csvFname);
    try {
      rows = parse(readFileSync(file), { skip_empty_lines: true, relax_column_count: false }) as string[][];
    } catch (e) {
      throw new FlintError(`${fn}: cannot read ${JSON.stringify(file)} as CSV (${e instanceof Error ? e.message : describe(e)})`, { cause: e });
    }
    if (rows.length < 2) throw new FlintError(`${fn}: ${JSON.stringify(file)} has a header and no rows`);
    const header = rows[0]!;
    const col = (arg: string, c: unknown): number => {
      if (typeof c === 'number') return checkInt(fn, `opts.${arg}`, c, { min: 0, max: header.length - 1 });
      const i = header.indexOf(checkString(fn, `opts.${arg}`, c));
      if (i < 0) fail(fn, `opts.${arg}`, `a column of ${file} (${header.join(', ')})`, c);
      return i;
    };
    const [fc, lc] = [col('fnCol', fnCol), col('labelCol', labelCol)];
    const vc = validCol === undefined ? null : col('validCol', validCol);
    if (labelDelim !== undefined) checkString(fn, 'opts.labelDelim', labelDelim);
    const body = rows.slice(1);
    const files = body.map((r) => join(path, folder, `${r[fc]}${suff}`));
    const validIdx = vc === null ? undefined : new Set(body.map((r, i) => (/^(true|1)$/i.test(r[vc] ?? '') ? i : -1)).filter((i) => i >= 0));
    if (labelDelim === undefined)
      return ImageDataLoaders.#fromLabels(
        fn,
        files,
        body.map((r) => r[lc]!),
        rest,
        validIdx,
      );
    // multi-label: each row's classes, as indices into the sorted vocabulary (a multi-hot target)
    const lists = body.map((r) => (r[lc] ?? '').split(labelDelim).filter((s) => s !== ''));
    const vocab = [...new Set(lists.flat())].sort();
    const items = files.map((p, i) => ({ path: p, y: lists[i]!.map((l) => vocab.indexOf(l)) }));
    return ImageDataLoaders.#split(fn, items, vocab, true, rest as ImageDataLoadersOptions, validIdx);
  }

  /** Adds Normalize with these statistics to the batch transforms (both loaders), unless one is there already (fastai's
   * vision_learner does this for pretrained weights); the preprocessing records them. Returns whether it added it. */
  addNormalize(stats: { readonly mean: readonly number[]; readonly std: readonly number[] }): boolean {
    if (this.batchTfms.some((t) => t instanceof Normalize)) return false;
    const norm = Normalize.fromStats(stats.mean, stats.std);
    this.batchTfms.push(norm);
    const pre = this.preprocessing;
    if (pre?.kind === 'image') {
      this.preprocessing = { ...pre, mean: [...norm.mean], std: [...norm.std], statsShape: [norm.mean.length, 1, 1] };
    }
    return true;
  }

  /** Images as the model saw them, back in [0, 1] for display (Normalize undone; IntToFloatTensor's decode, which
   * truncates to integers as fastai's, is left out). */
  decodeInputs(x: Tensor): Tensor {
    return decodeBatchTfms(
      this.batchTfms.filter((t) => !(t instanceof IntToFloatTensor)),
      x,
    );
  }

  /** fastai's show_batch: the first images of a batch with their labels, as an SVG grid (and with `file` an SVG and a
   * PNG). */
  async showBatch(options: { maxN?: number; file?: string; split?: 'train' | 'valid' } = {}): Promise<string> {
    const fn = 'ImageDataLoaders.showBatch';
    const o = checkOptions(fn, options, ['maxN', 'file', 'split'], 'opts');
    const maxN = o.maxN === undefined ? 9 : checkInt(fn, 'opts.maxN', o.maxN, { min: 1, max: 100 });
    if (o.file !== undefined) checkString(fn, 'opts.file', o.file);
    const dl =
      o.split === 'valid'
        ? this.valid
        : o.split === undefined || o.split === 'train'
          ? this.train
          : fail(fn, 'opts.split', "'train' or 'valid'", o.split);
    const batch = (await dl.firstBatch()) as Tensor[];
    try {
      const svg = torch.tidy(() => {
        const [x, y] = batch as [Tensor, Tensor];
        const n = Math.min(maxN, x.shape[0]!);
        const shown = this.decodeInputs(x.narrow(0, 0, n));
        const cells = Array.from({ length: n }, (_, i) => ({ image: shown.select(0, i), caption: [this.#label(y.select(0, i))] }));
        return imageGridSvg(cells);
      });
      if (o.file) writeChart(svg, o.file);
      return svg;
    } finally {
      torch.dispose(batch);
    }
  }

  #label(y: Tensor): string {
    if (y.ndim === 0) return this.vocab[Number(y.item())] ?? String(y.item());
    const on = Array.from(y.toTypedArray() as Float32Array).flatMap((v, i) => (v > 0.5 ? [this.vocab[i]!] : []));
    return on.join(';');
  }
}
