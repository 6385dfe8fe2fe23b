// learn.export / loadLearner's file: one safetensors file (readable from Python: the weights under PyTorch's
// state-dict keys) whose metadata names the model's registered factory and arguments, the loss function and the
// data preprocessing (normalization, categories, class names), so a fresh process can predict.
import * as torch from '../torch/index.js';
import { FlintError } from '../torch/errors.js';
import type { Tensor } from '../torch/index.js';
import { lossFromSpec, lossSpec, models, type LossSpec, type Module } from '../nn/index.js';
import type { Preprocessing } from '../data/index.js';

export const EXPORT_FORMAT = 'flint-export/1';
const LOSS_PREFIX = '__lossFunc__.';

export interface ExportParts {
  model: Module;
  /** The rebuilt loss function, or null when the exported one was a plain function. */
  lossFunc: object | null;
  preprocessing: Preprocessing | null;
}

/** Writes the export file (atomically). The model must come from nn.models.createModel. */
export function writeExport(file: string, parts: { model: Module; lossFunc: unknown; preprocessing: Preprocessing | null }): void {
  const spec = models.modelSpec(parts.model);
  if (!spec) {
    throw new FlintError(
      'Learner.export: the model was not made by nn.models.createModel(name, args), so a fresh process could not ' +
        'rebuild it; register its factory with nn.models.registerModel and build it with createModel',
    );
  }
  const loss = lossSpec(parts.lossFunc);
  torch.tidy(() => {
    const tensors: Record<string, Tensor> = { ...parts.model.stateDict() };
    for (const [k, t] of Object.entries(loss?.tensors ?? {})) tensors[LOSS_PREFIX + k] = t;
    torch.save(tensors, file, {
      metadata: {
        format: EXPORT_FORMAT,
        model: JSON.stringify(spec),
        lossFunc: JSON.stringify(loss?.spec ?? null),
        preprocessing: JSON.stringify(parts.preprocessing),
        libtorch: torch.libtorchVersion,
      },
    });
  });
}

/** Reads an export file: the model rebuilt from the registry with its weights loaded (in eval mode), the loss
 * function and the preprocessing. */
export function readExport(file: string, o: { device?: string } = {}): ExportParts {
  const { tensors, metadata } = torch.loadWithMetadata(file, { device: o.device });
  try {
    if (metadata.format !== EXPORT_FORMAT) {
      throw new FlintError(
        `loadLearner: ${file} is not a Flint export (format ${JSON.stringify(metadata.format ?? null)}, expected '${EXPORT_FORMAT}'); ` +
          'checkpoints written by learn.save load with learn.load',
      );
    }
    const field = <T>(name: string): T => {
      try {
        return JSON.parse(metadata[name] ?? 'null') as T;
      } catch (e) {
        throw new FlintError(`loadLearner: ${file}: the '${name}' metadata is not valid JSON (${(e as Error).message})`);
      }
    };
    const spec = field<models.ModelSpec | null>('model');
    if (!spec) throw new FlintError(`loadLearner: ${file} names no model`);
    const model = models.createModel(spec.name, spec.args);
    if (o.device) model.to(o.device);
    const weights: Record<string, Tensor> = {};
    const lossTensors: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) {
      if (k.startsWith(LOSS_PREFIX)) lossTensors[k.slice(LOSS_PREFIX.length)] = t.clone().keep();
      else weights[k] = t;
    }
    model.loadStateDict(weights, { strict: true });
    model.eval();
    const loss = field<LossSpec | null>('lossFunc');
    return { model, lossFunc: loss ? lossFromSpec(loss, lossTensors) : null, preprocessing: field<Preprocessing | null>('preprocessing') };
  } finally {
    torch.dispose(tensors);
  }
}
