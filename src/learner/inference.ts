// Inference: what getPreds gathers per batch and assembles (every item, in dataset order, fastai's get_preds),
// and the prediction for one item (fastai's predict, with the decoded label).
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { describe, isTensorLike } from '../torch/validate.js';
import { lossActivation, lossDecodes, type Module } from '../nn/index.js';
import type { DataLoader } from '../data/index.js';
import { datasetLength } from '../data/check.js';
import { gatherInOrder } from '../metrics/sync.js';
import { Callback } from './callback.js';
import type { LossFunc } from './learner.js';

export interface GetPredsOptions {
  dl?: DataLoader<any>;
  withInput?: boolean;
  withDecoded?: boolean;
  withLoss?: boolean;
  act?: (x: Tensor) => Tensor;
}

/** What getPreds returns, owned by the caller: `targs` is the first target (null without targets), `targets` every
 * one (fastai's tuple of targets when dls.nInp leaves several; targets[0] is targs). */
export interface GetPredsResult {
  preds: Tensor;
  targs: Tensor | null;
  targets: Tensor[];
  inputs?: Tensor;
  decoded?: Tensor;
  losses?: Tensor;
}

/** The loader getPreds runs: every item, in dataset order (fastai: dl.new(shuffle=False, drop_last=False)). */
export function inOrder(dl: DataLoader<any>): DataLoader<any> {
  return dl.shuffle || dl.dropLast ? dl.new({ shuffle: false, dropLast: false }) : dl;
}

/** A callback keeping each batch's predictions, targets and, on request, inputs and per-item losses (beyond the
 * batch's scope), and assembling them at the end. */
export class PredsGatherer extends Callback {
  // targs[j]: the batches' j-th targets
  private parts: { preds: Tensor[]; targs: Tensor[][]; inputs: Tensor[]; losses: Tensor[] } = {
    preds: [],
    targs: [],
    inputs: [],
    losses: [],
  };
  constructor(private readonly o: GetPredsOptions) {
    super();
  }
  override afterBatch(): void {
    const l = this.learn;
    const { parts, o } = this;
    if (!l.pred) return;
    if (!isTensorLike(l.pred)) {
      throw new FlintError(`Learner.getPreds: the model returned ${describe(l.pred)}; getPreds gathers one tensor of predictions per batch`);
    }
    parts.preds.push(l.pred.detach().keep());
    l.yb.forEach((y, j) => (parts.targs[j] ??= []).push(y.clone().keep()));
    if (o.withInput) parts.inputs.push(l.xb[0]!.clone().keep());
    if (o.withLoss && l.loss) {
      const bs = l.yb[0]?.shape[0] ?? 1;
      parts.losses.push((l.loss.numel() === bs ? l.loss : l.loss.reshape(bs, -1).mean(1)).detach().keep());
    }
  }

  /** A data-parallel validation sharded the loader (DistributedTrainer): every rank gets every item, in order. */
  override async afterValidate(): Promise<void> {
    const dl = this.learn.dl;
    if (dl === null || dl.shard === null || dl.shard.pad) return;
    const items = datasetLength('Learner.getPreds', dl.dataset);
    const gather = async (ts: Tensor[]): Promise<Tensor[]> => {
      if (ts.length === 0) return ts;
      const local = torch.tidy(() => torch.cat(ts, 0));
      torch.dispose(ts);
      try {
        return [(await gatherInOrder(local, items)).keep()];
      } finally {
        local.dispose();
      }
    };
    const { parts } = this;
    parts.preds = await gather(parts.preds);
    for (let j = 0; j < parts.targs.length; j++) parts.targs[j] = await gather(parts.targs[j] as Tensor[]);
    parts.inputs = await gather(parts.inputs);
    parts.losses = await gather(parts.losses);
  }

  /** The result (the activation applied, or `act`); frees what was gathered on failure. */
  assemble(lossFunc: LossFunc): GetPredsResult {
    const { parts, o } = this;
    const cat = (ts: Tensor[]): Tensor | undefined => {
      if (ts.length === 0) return undefined;
      const out = torch.cat(ts, 0).keep();
      torch.dispose(ts);
      return out;
    };
    const raw = cat(parts.preds);
    if (!raw)
      throw new FlintError('Learner.getPreds: the loader produced no batches (an empty dataset, or dropLast with fewer items than batchSize)');
    let preds: Tensor;
    try {
      const p: unknown = torch.tidy(() => (o.act ?? lossActivation(lossFunc))(raw));
      if (!isTensorLike(p) || (p as Tensor).isDisposed)
        throw new FlintError(`Learner.getPreds: the activation returned ${describe(p)}, expected a tensor`);
      preds = (p as Tensor).keep();
    } catch (e) {
      torch.dispose([raw, parts.targs, parts.inputs, parts.losses]);
      throw e;
    }
    if (preds !== raw) raw.dispose(); // an identity activation (regression) returns raw itself
    const targets = parts.targs.map((ts) => cat(ts)!);
    const out: GetPredsResult = { preds, targs: targets[0] ?? null, targets };
    if (o.withInput) out.inputs = cat(parts.inputs);
    // a separate tensor even when decodes is the identity, so the caller can dispose both
    if (o.withDecoded)
      out.decoded = torch
        .tidy(() => {
          const d = lossDecodes(lossFunc)(preds);
          return d === preds ? d.clone() : d;
        })
        .keep();
    if (o.withLoss) out.losses = cat(parts.losses);
    return out;
  }
}

/** What Learner.predict returns: the activation's output for the item, its decoded form, and with a vocabulary the
 * class name of a single-label prediction (`label`) or the names of a multi-label one's classes (`labels`). */
export interface ItemPrediction {
  probs: Tensor;
  decoded: Tensor;
  label: string | null;
  labels?: string[];
}

/** The prediction for one item given as the model's inputs with a batch dimension of 1, in eval mode without
 * gradients. */
export function predictItem(
  model: Module,
  lossFunc: LossFunc,
  inputs: Tensor[],
  device: string,
  vocab: readonly string[] | null | undefined,
): ItemPrediction {
  const wasTraining = model.training;
  model.eval();
  try {
    return torch.tidy(() =>
      torch.noGrad(() => {
        const out: unknown = model.call(...inputs.map((x) => x.to({ device })));
        if (!isTensorLike(out))
          throw new FlintError(`Learner.predict: the model's forward returned ${describe(out)}; the Learner expects a tensor of predictions`);
        const probs = lossActivation(lossFunc)(out as Tensor).squeeze(0);
        const decoded = lossDecodes(lossFunc)(probs);
        const single = decoded.numel() === 1 && decoded.dtype === 'int64';
        const label = vocab && single ? (vocab[decoded.item()] ?? null) : null;
        const r: ItemPrediction = { probs, decoded, label };
        // a multi-hot decoding over the vocabulary (fastai's MultiCategory): the names of the classes predicted
        if (vocab && decoded.dtype === 'bool' && decoded.ndim === 1 && decoded.shape[0] === vocab.length) {
          const hot = decoded.toTypedArray() as Uint8Array;
          r.labels = vocab.filter((_, i) => hot[i]);
        }
        return r;
      }),
    );
  } finally {
    model.train(wasTraining);
  }
}
