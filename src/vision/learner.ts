// fastai's vision_learner: an architecture's body (cut before its pooling layer), fastai's head (concat pooling,
// BatchNorm, dropout, linear layers), body and head as parameter groups, the head initialised as fastai does, and
// with pretrained weights the body frozen (its BatchNorm layers still training, fastai's train_bn).
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkArray, checkBool, checkFunction, checkInt, checkNumber, checkOptions, checkString, describe, fail, named } from '../torch/validate.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/index.js';
import * as models from '../nn/models/index.js';
import { DataLoaders } from '../data/index.js';
import { ImageDataLoaders } from './data.js';
import { Learner } from '../default-learner.js';
import type { LearnerOptions } from '../learner/index.js';

export interface HeadOptions {
  /** The sizes of the hidden linear layers (fastai's lin_ftrs; default [512]). */
  linFtrs?: number[];
  /** Dropout: one value (the last layer's; the earlier ones get half), or one per linear layer. */
  ps?: number | number[];
  pool?: boolean;
  concatPool?: boolean;
  firstBn?: boolean;
  bnFinal?: boolean;
  linFirst?: boolean;
  /** A sigmoid scaled to [low, high] on the output (fastai's SigmoidRange), for regression. */
  yRange?: [number, number];
}

/** More features than any head needs (a layer of this many squared would not fit in memory). */
const MAX_FEATURES = 2 ** 20;

/** fastai's create_head: [concat pool, flatten], then per linear layer BatchNorm1d, Dropout, Linear (no bias after a
 * BatchNorm) and ReLU between them. */
export function createHead(nf: number, nOut: number, options: HeadOptions = {}): nn.Sequential {
  const fn = 'vision.createHead';
  checkInt(fn, 'nf', nf, { min: 1, max: MAX_FEATURES });
  checkInt(fn, 'nOut', nOut, { min: 1, max: MAX_FEATURES });
  const o = checkOptions(fn, options, HEAD_KEYS, 'opts');
  const pool = o.pool === undefined ? true : checkBool(fn, 'opts.pool', o.pool);
  const concat = o.concatPool === undefined ? true : checkBool(fn, 'opts.concatPool', o.concatPool);
  const firstBn = o.firstBn === undefined ? true : checkBool(fn, 'opts.firstBn', o.firstBn);
  const bnFinal = o.bnFinal === undefined ? false : checkBool(fn, 'opts.bnFinal', o.bnFinal);
  const linFirst = o.linFirst === undefined ? false : checkBool(fn, 'opts.linFirst', o.linFirst);
  const hidden =
    o.linFtrs === undefined
      ? [512]
      : checkArray<number>(fn, 'opts.linFtrs', o.linFtrs, 'an array of layer sizes').map((v, i) =>
          checkInt(fn, `opts.linFtrs[${i}]`, v, { min: 1, max: MAX_FEATURES }),
        );
  const n = pool && concat ? nf * 2 : nf;
  const ftrs = [n, ...hidden, nOut];
  const nLin = ftrs.length - 1;
  let ps: number[];
  if (o.ps === undefined || typeof o.ps === 'number') {
    const p = o.ps === undefined ? 0.5 : checkNumber(fn, 'opts.ps', o.ps, { min: 0, max: 1 });
    ps = [...Array<number>(nLin - 1).fill(p / 2), p];
  } else {
    ps = checkArray<number>(fn, 'opts.ps', o.ps, 'a dropout probability or one per linear layer').map((v, i) =>
      checkNumber(fn, `opts.ps[${i}]`, v, { min: 0, max: 1 }),
    );
    if (ps.length !== nLin + (linFirst ? 1 : 0)) fail(fn, 'opts.ps', `${nLin + (linFirst ? 1 : 0)} dropout probabilities`, o.ps);
  }
  let yRange: [number, number] | null = null;
  if (o.yRange !== undefined) {
    const r = checkArray<number>(fn, 'opts.yRange', o.yRange, 'a pair [low, high]');
    if (r.length !== 2) fail(fn, 'opts.yRange', 'a pair [low, high]', o.yRange);
    yRange = [checkNumber(fn, 'opts.yRange[0]', r[0]), checkNumber(fn, 'opts.yRange[1]', r[1])];
  }
  const layers: Module[] = pool ? [concat ? new nn.AdaptiveConcatPool2d() : new nn.AdaptiveAvgPool2d(1), new nn.Flatten()] : [];
  if (linFirst) layers.push(new nn.Dropout(ps.shift()!));
  for (let i = 0; i < nLin; i++) {
    const [ni, no] = [ftrs[i]!, ftrs[i + 1]!];
    const bn = i === 0 ? firstBn : true;
    const act = i < nLin - 1;
    const norm: Module[] = bn ? [new nn.BatchNorm1d(linFirst ? no : ni)] : [];
    if (ps[i]! !== 0) norm.push(new nn.Dropout(ps[i]!));
    const lin: Module[] = [new nn.Linear(ni, no, { bias: !bn })];
    if (act) lin.push(new nn.ReLU());
    layers.push(...(linFirst ? [...lin, ...norm] : [...norm, ...lin]));
  }
  if (linFirst) layers.push(new nn.Linear(ftrs[ftrs.length - 2]!, nOut));
  if (bnFinal) layers.push(new nn.BatchNorm1d(nOut, { momentum: 0.01 }));
  if (yRange) layers.push(new nn.SigmoidRange(...yRange));
  return new nn.Sequential(...layers);
}

/** fastai's create_body: the model's children before `cut` (negative: from the end), as a Sequential. */
export function createBody(model: Module, cut: number): nn.Sequential {
  const fn = 'vision.createBody';
  if (!(model instanceof nn.Module)) fail(fn, 'model', 'an nn.Module', model);
  const children = model.children();
  checkInt(fn, 'cut', cut, { min: -children.length, max: children.length });
  const body = children.slice(0, cut < 0 ? children.length + cut : cut);
  if (body.length === 0) fail(fn, 'cut', `an index that leaves some of the model's ${children.length} children`, cut);
  return new nn.Sequential(...body);
}

/** The number of features (channels) the body outputs, from one forward of a small dummy image (fastai's
 * num_features_model). */
function numFeatures(fn: string, body: Module, channels: number): number {
  const wasTraining = body.training;
  body.eval();
  try {
    return torch.tidy(() =>
      torch.noGrad(() => {
        const out: unknown = body.call(torch.zeros([1, channels, 64, 64]));
        if (!(out instanceof torch.Tensor) || out.ndim < 2)
          throw new FlintError(`${fn}: the body returned ${describe(out)}, expected feature maps [N, C, ...]`);
        return out.shape[1]!;
      }),
    );
  } finally {
    body.train(wasTraining);
  }
}

/** fastai's apply_init on the head: kaiming-normal weights and zero biases for linear layers (BatchNorm left as is). */
function initHead(head: Module): void {
  torch.noGrad(() => {
    for (const m of head.modules()) {
      if (m instanceof nn.Linear) {
        nn.init.kaimingNormal_(m.weight);
        if (m.bias) nn.init.zeros_(m.bias);
      }
    }
  });
}

/** The model of visionLearner: Sequential(body of `full` cut at `cut`, fastai's head initialised as fastai does). */
function visionModel(fn: string, full: unknown, cut: number, nOut: number, nIn: number, head: HeadOptions): nn.Sequential {
  if (!(full instanceof nn.Module)) fail(fn, 'arch', 'a function returning an nn.Module', full);
  const body = createBody(full as Module, cut);
  const h = createHead(numFeatures(fn, body, nIn), nOut, head);
  initHead(h);
  return new nn.Sequential(body, h);
}

/** visionLearner's models in the registry (an exported vision Learner is rebuilt from its architecture's name). */
const VISION_MODEL = 'visionLearner';
models.registerModel(VISION_MODEL, (args) => {
  const a = args as { arch: string; archArgs: Record<string, unknown>; cut: number; nOut: number; nIn: number; head: HeadOptions };
  return visionModel('vision.visionLearner', models.createModel(a.arch, a.archArgs), a.cut, a.nOut, a.nIn, a.head);
});

export interface VisionLearnerOptions extends LearnerOptions, HeadOptions {
  /** A safetensors file of the architecture's weights (torchvision's keys), loaded before the cut; the body is
   * then frozen. Flint downloads nothing: convert a checkpoint once (see the README). */
  pretrained?: string | false;
  /** With pretrained weights, add Normalize with their statistics to an ImageDataLoaders' batch transforms when it
   * has none (fastai's normalize; default true). */
  normalize?: boolean;
  /** Outputs (default: the number of classes in dls.preprocessing.vocab). */
  nOut?: number;
  /** Where the body ends (default: the architecture's meta, or -2). */
  cut?: number;
  /** The architecture's arguments (a registered name's factory gets them, numClasses excepted). */
  archArgs?: Record<string, unknown>;
  /** Input channels of a dummy forward (default 3). */
  nIn?: number;
}

const HEAD_KEYS = ['linFtrs', 'ps', 'pool', 'concatPool', 'firstBn', 'bnFinal', 'linFirst', 'yRange'] as const;
const OWN = ['pretrained', 'normalize', 'nOut', 'cut', 'archArgs', 'nIn', ...HEAD_KEYS] as const;

/**
 * fastai's vision_learner: `arch` a registered architecture's name ('resnet18', 'xresnet34'...) or a factory returning
 * a model; the model is Sequential(body, head), its parameter groups follow the architecture's meta (fastai's
 * model_meta split: for the resnets, the stem and layer1-2, then layer3-4, then the head).
 */
export function visionLearner(dls: DataLoaders, arch: string | (() => Module), options: VisionLearnerOptions = {}): Learner {
  const fn = 'vision.visionLearner';
  if (!(dls instanceof DataLoaders)) fail(fn, 'dls', 'a data.DataLoaders', dls);
  // the errors of the parts it builds (the head, the body, the Learner) name visionLearner
  return named(fn, () => build(fn, dls, arch, options));
}

function build(fn: string, dls: DataLoaders, arch: string | (() => Module), options: VisionLearnerOptions): Learner {
  const o = checkOptions(
    fn,
    options,
    [...OWN, 'lossFunc', 'optFunc', 'lr', 'splitter', 'cbs', 'metrics', 'path', 'modelDir', 'wd', 'wdBnBias', 'trainBn', 'moms', 'defaultCbs'],
    'opts',
  );
  if (typeof arch !== 'string' && typeof arch !== 'function')
    fail(fn, 'arch', "an architecture's name (e.g. 'resnet18') or a function returning a model", arch);
  const vocab = dls.preprocessing?.vocab;
  const nOut =
    o.nOut === undefined
      ? (vocab?.length ?? fail(fn, 'opts.nOut', 'the number of outputs (the data has no vocabulary to count)', o.nOut))
      : checkInt(fn, 'opts.nOut', o.nOut, { min: 1, max: MAX_FEATURES });
  const pretrained = o.pretrained === undefined || o.pretrained === false ? null : checkString(fn, 'opts.pretrained', o.pretrained);
  const nIn = o.nIn === undefined ? 3 : checkInt(fn, 'opts.nIn', o.nIn, { min: 1 });
  // fastai's model_meta when the architecture has one; otherwise fastai's defaults (cut before the last two children)
  const meta = typeof arch === 'string' ? metaOf(arch) : null;
  const cut = o.cut === undefined ? (meta?.cut ?? -2) : checkInt(fn, 'opts.cut', o.cut);
  const archArgs = o.archArgs === undefined ? {} : checkOptions<Record<string, unknown>>(fn, o.archArgs, undefined, 'opts.archArgs');
  const headOpts = Object.fromEntries(HEAD_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as HeadOptions;
  let model: nn.Sequential;
  if (typeof arch === 'string') {
    // through the registry, so learn.export can rebuild it in a fresh process from its name and arguments
    model = models.createModel(VISION_MODEL, { arch, archArgs, cut, nOut, nIn, head: headOpts } as unknown as models.ModelArgs) as nn.Sequential;
  } else {
    checkFunction<() => Module>(fn, 'arch', arch);
    model = visionModel(fn, arch(), cut, nOut, nIn, headOpts);
  }
  if (pretrained !== null) {
    // the weights belong to the whole architecture (its own keys): loaded into a copy of it, checked by key,
    // then its body's given to the model
    const full = typeof arch === 'string' ? models.createModel(arch, archArgs) : arch();
    const sd = torch.load(pretrained, { device: 'cpu' });
    try {
      full.loadStateDict(sd);
      (model.children()[0] as nn.Sequential).loadStateDict(createBody(full, cut).stateDict());
    } finally {
      torch.dispose(sd);
      full.dispose();
    }
  }
  if (dls.device !== 'cpu') model.to({ device: dls.device });
  // fastai's vision_learner: pretrained weights expect the statistics they were trained with
  const normalize = o.normalize === undefined ? true : checkBool(fn, 'opts.normalize', o.normalize);
  if (pretrained !== null && normalize && dls instanceof ImageDataLoaders) dls.addNormalize(meta?.stats ?? models.IMAGENET_STATS);
  const split = meta?.split ?? [];
  const splitter = (m: Module): Tensor[][] => {
    const [b, h] = (m as nn.Sequential).children() as [nn.Sequential, nn.Sequential];
    const parts = b.children();
    const bounds = [0, ...split, parts.length];
    const groups = bounds.slice(1).map((end, i) => parts.slice(bounds[i], end).flatMap((p) => p.parameters()));
    return [...groups.filter((g) => g.length > 0), h.parameters()];
  };
  const learnerOpts: LearnerOptions = { lossFunc: new nn.CrossEntropyLossFlat(), splitter, ...pick(o) };
  const learn = new Learner(dls, model, learnerOpts);
  if (pretrained !== null) learn.freeze();
  return learn;
}

function metaOf(arch: string): models.ModelMeta | null {
  try {
    return models.modelMeta(arch);
  } catch {
    return null;
  }
}

/** The Learner's own options from visionLearner's. */
function pick(o: VisionLearnerOptions): LearnerOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!(OWN as readonly string[]).includes(k) && v !== undefined) out[k] = v;
  return out as LearnerOptions;
}
