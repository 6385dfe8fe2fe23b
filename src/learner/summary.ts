// learn.summary(): fastai's Learner.summary (callback/hook.py: layer_info and module_summary). Every leaf module is
// hooked, one batch of the training loader goes through the model in eval mode without gradients, and each leaf
// call becomes a row (type, output shape, parameter count, trainable) of fastai's table, followed by the totals,
// the optimizer, the loss function, the freezing state and the callbacks.
import * as torch from '../torch/index.js';
import { FlintError, type Tensor } from '../torch/index.js';
import { checkFunction, isTensorLike } from '../torch/validate.js';
import type { Module, RemovableHandle } from '../nn/index.js';
import type { Batch } from '../data/index.js';
import type { Learner } from './learner.js';

const FN = 'Learner.summary';
// fastai's widths: the rules are 76 wide, the columns 20, 20, 10 and 10
const RULE = 76;
// deeper than any real output; a cyclic one would otherwise overflow the stack
const MAX_DEPTH = 32;

/** One call of a leaf module, as fastai's layer_info records it. */
export interface LayerInfo {
  /** The module's class name. */
  type: string;
  /** The shape of each tensor it returned (one for a tensor; several for an array or object of tensors). */
  shapes: number[][];
  /** Its parameters' element count; null when it has none (fastai leaves the column blank). */
  params: number | null;
  /** Whether any of its parameters requires grad; null when it has none. */
  trainable: boolean | null;
  /** Its (first) output has the shape of its (first) input, batch axis aside: fastai starts no new section. */
  sameAsInput: boolean;
}

/** The tensors in a value (a tensor, or arrays and plain objects of them), in order. */
function tensorsIn(v: unknown, out: Tensor[] = [], depth = 0): Tensor[] {
  if (isTensorLike(v)) out.push(v as Tensor);
  else if (depth < MAX_DEPTH && Array.isArray(v)) for (const x of v) tensorsIn(x, out, depth + 1);
  else if (depth < MAX_DEPTH && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) tensorsIn(x, out, depth + 1);
  }
  return out;
}

function liveShapes(v: unknown): number[][] {
  return tensorsIn(v)
    .filter((t) => !t.isDisposed)
    .map((t) => [...t.shape]);
}

function describeCall(m: Module, inputs: unknown[], output: unknown): LayerInfo {
  const ps = m.parameters();
  const shapes = liveShapes(output);
  const input = liveShapes(inputs)[0];
  const out = shapes[0];
  const sameAsInput = input !== undefined && out !== undefined && input.slice(1).join() === out.slice(1).join() && input.length === out.length;
  return {
    type: m.constructor.name,
    shapes,
    params: ps.length ? ps.reduce((s, p) => s + p.numel(), 0) : null,
    trainable: ps.length ? ps.some((p) => p.requiresGrad) : null,
    sameAsInput,
  };
}

/** Runs `inputs` through `model` (eval mode, no gradients, in a memory scope) with a hook on every leaf module
 * (one without children), and returns one row per leaf call, in call order. Hooks are removed and every
 * module's training flag is restored afterwards, whatever happens. */
export function layerInfo(model: Module, inputs: unknown[]): LayerInfo[] {
  const rows: LayerInfo[] = [];
  const modules = model.modules();
  // each module's own flag: some may be in eval mode on purpose (BnFreeze)
  const modes = modules.map((m) => [m, m.training] as const);
  const handles: RemovableHandle[] = [];
  try {
    for (const m of modules) {
      if (m.children().length === 0)
        handles.push(
          m.registerForwardHook((mod, ins, out) => {
            rows.push(describeCall(mod, ins, out));
          }),
        );
    }
    model.eval();
    // nothing is returned: the outputs and everything made on the way are freed here
    torch.tidy(() => {
      torch.noGrad(() => {
        (model.call as (...a: unknown[]) => unknown)(...inputs);
      });
    });
  } finally {
    for (const h of handles) h.remove();
    for (const [m, mode] of modes) m.training = mode;
  }
  return rows;
}

function shapeText(s: number[]): string {
  return s.length ? s.join(' x ') : 'scalar';
}

function shapesText(shapes: number[][]): string {
  if (shapes.length === 1) return shapeText(shapes[0]!);
  return shapes.length ? `[${shapes.map(shapeText).join(', ')}]` : '';
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A function's name for the report; arrows written in the options object are named after the option. */
function fnName(f: unknown, option: string): string {
  const name = typeof f === 'function' ? f.name : '';
  return name && name !== option ? name : 'a custom function';
}

/** fastai's module_summary table: a section per output shape, then the totals. */
export function formatLayers(modelName: string, inputShapes: number[][], rows: LayerInfo[], totals: { params: number; trainable: number }): string[] {
  const lines = [
    `${modelName} (Input shape: ${shapesText(inputShapes)})`,
    '='.repeat(RULE),
    `${'Layer (type)'.padEnd(20)} ${'Output Shape'.padEnd(20)} ${'Param #'.padEnd(10)} Trainable`,
    '='.repeat(RULE),
  ];
  let prev: string | null = null;
  for (const r of rows) {
    const shape = shapesText(r.shapes);
    // a new section when the layer changed the shape it was given (and the shape is not the previous one)
    if (prev === null) lines.push(`${''.padEnd(20)} ${shape}`);
    else if (!r.sameAsInput && shape !== prev) lines.push('_'.repeat(RULE), `${''.padEnd(20)} ${shape}`);
    prev = shape;
    lines.push(
      `${r.type.padEnd(20)} ${''.padEnd(20)} ${String(r.params ?? '').padEnd(10)} ${r.trainable === null ? '' : r.trainable ? 'True' : 'False'}`,
    );
  }
  lines.push(
    '_'.repeat(RULE),
    '',
    `Total params: ${count(totals.params)}`,
    `Total trainable params: ${count(totals.trainable)}`,
    `Total non-trainable params: ${count(totals.params - totals.trainable)}`,
  );
  return lines.map((l) => l.trimEnd());
}

/** Takes the first batch of the training loader without moving its shuffle counter (a later fit shuffles as it
 * would have without the summary). The caller disposes it. */
function firstBatch(learn: Learner): Batch {
  const dl = learn.dls.train;
  const epoch = dl.epoch;
  try {
    return torch.tidy(() => dl.oneBatch());
  } catch (e) {
    throw new FlintError(`${FN}: cannot take a batch from the training DataLoader (learn.dls.train): ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  } finally {
    dl.epoch = epoch;
  }
}

/**
 * fastai's Learner.summary: the model's layers as one training batch goes through them (type, output shape,
 * parameter count, trainable), the parameter totals, the optimizer, the loss function, the freezing state and the
 * callbacks. Printed with `print` and returned.
 */
export function learnerSummary(learn: Learner, print: (s: string) => void = console.log): string {
  checkFunction(FN, 'print', print);
  const model = learn.model;
  const batch = firstBatch(learn);
  let rows: LayerInfo[];
  let inputShapes: number[][];
  try {
    // the first dls.nInp elements are the model's inputs (fastai's n_inp), the rest are targets
    const xb = (Array.isArray(batch) ? batch : [batch]).slice(0, learn.dls.nInp);
    inputShapes = liveShapes(xb);
    rows = layerInfo(model, xb);
  } finally {
    torch.dispose(batch);
  }
  // every parameter once, called or not, leaf or not
  const params = model.parameters();
  const totals = {
    params: params.reduce((s, p) => s + p.numel(), 0),
    trainable: params.reduce((s, p) => s + (p.requiresGrad ? p.numel() : 0), 0),
  };
  const lines = formatLayers(model.constructor.name, inputShapes, rows, totals);
  const loss = learn.lossFunc;
  lines.push(
    '',
    `Optimizer used: ${fnName(learn.optFunc, 'optFunc')}${learn.opt ? '' : ' (not created yet)'}`,
    `Loss function: ${typeof loss === 'function' ? fnName(loss, 'lossFunc') : String(loss)}`,
    '',
  );
  if (learn.opt) lines.push(learn.opt.frozenIdx === 0 ? 'Model unfrozen' : `Model frozen up to parameter group #${learn.opt.frozenIdx}`, '');
  lines.push('Callbacks:', ...learn.orderedCbs(null).map((cb) => `  - ${cb.constructor.name}`));
  const text = lines.join('\n');
  print(text);
  return text;
}
