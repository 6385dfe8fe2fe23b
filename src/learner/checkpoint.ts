// The Learner's checkpoint format (learn.save / learn.load): one safetensors file holding the model's state dict
// under PyTorch's keys (readable from Python), the optimizer's tensors under `opt/<param>/<name>`, and in its
// metadata the format, the epoch last run, the data loader's epoch and the optimizer's scalars and hypers as JSON.
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import type * as optim from '../optim/index.js';

export const CHECKPOINT_FORMAT = 'flint-learner/1';

type OptState = { state: optim.ParamState[]; hypers: optim.Hypers[] };

/** Writes a checkpoint atomically (torch.save goes through writeFileAtomic). */
export function writeCheckpoint(file: string, c: { model: Module; opt: optim.Optimizer | null; epoch: number; dataEpoch: number }): void {
  torch.tidy(() => {
    const tensors: Record<string, Tensor> = { ...c.model.stateDict() };
    // the epoch last run (a SaveModelCallback checkpoint is taken after it): fit(..., { startEpoch: epoch + 1 }) resumes
    const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, epoch: String(c.epoch), dataEpoch: String(c.dataEpoch) };
    const sd = c.opt?.stateDict();
    try {
      if (sd) {
        const scalars = sd.state.map((s, i) => {
          const rest: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(s)) {
            if (v instanceof torch.Tensor) tensors[`opt/${i}/${k}`] = v;
            else rest[k] = v;
          }
          return rest;
        });
        metadata.opt = JSON.stringify({ hypers: sd.hypers, scalars });
      }
      torch.save(tensors, file, { metadata });
    } finally {
      if (sd) torch.dispose(sd.state);
    }
  });
}

/** What a checkpoint holds; `dispose()` frees its tensors once they are loaded where they go. */
export interface Checkpoint {
  model: Record<string, Tensor>;
  /** The optimizer's state, or null when the file has none. */
  opt: OptState | null;
  epoch: number | null;
  dataEpoch: number | null;
  dispose(): void;
}

/** Reads a checkpoint onto a device; withOpt, its optimizer state too (a damaged entry is an error naming the file). */
export function readCheckpoint(file: string, device: string, withOpt: boolean): Checkpoint {
  const { tensors, metadata } = torch.loadWithMetadata(file, { device });
  try {
    const model: Record<string, Tensor> = {};
    const optTensors = new Map<number, Record<string, Tensor>>();
    for (const [k, t] of Object.entries(tensors)) {
      const m = /^opt\/(\d+)\/(.+)$/.exec(k);
      if (m) {
        const rec = optTensors.get(Number(m[1])) ?? {};
        rec[m[2]!] = t;
        optTensors.set(Number(m[1]), rec);
      } else {
        model[k] = t;
      }
    }
    let opt: OptState | null = null;
    if (withOpt && metadata.opt) {
      const meta = optMeta(file, metadata.opt);
      opt = { state: meta.scalars.map((s, i) => ({ ...s, ...(optTensors.get(i) ?? {}) }) as optim.ParamState), hypers: meta.hypers };
    }
    const int = (v: string | undefined): number | null => {
      const n = v === undefined ? NaN : Number(v);
      return Number.isInteger(n) && n >= 0 ? n : null;
    };
    return { model, opt, epoch: int(metadata.epoch), dataEpoch: int(metadata.dataEpoch), dispose: () => torch.dispose(tensors) };
  } catch (e) {
    torch.dispose(tensors);
    throw e;
  }
}

/** The optimizer part of a checkpoint's metadata, checked: a damaged entry is an error named the file. */
function optMeta(file: string, text: string): { hypers: optim.Hypers[]; scalars: Record<string, number | boolean>[] } {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new FlintError(
      `Learner.load: ${file}: the optimizer state in its metadata is not valid JSON (${(e as Error).message}); ` +
        'load the weights alone with { withOpt: false }',
    );
  }
  const m = meta as { hypers?: unknown; scalars?: unknown } | null;
  const records = (v: unknown): boolean => Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
  if (m === null || typeof m !== 'object' || !records(m.hypers) || !records(m.scalars)) {
    throw new FlintError(
      `Learner.load: ${file}: the optimizer state in its metadata is malformed (expected { hypers: [...], scalars: [...] }); ` +
        'load the weights alone with { withOpt: false }',
    );
  }
  return m as { hypers: optim.Hypers[]; scalars: Record<string, number | boolean>[] };
}
