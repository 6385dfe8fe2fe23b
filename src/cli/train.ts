// `flint train`, `flint demo` (train with Fashion-MNIST's defaults) and `flint lr-find`: build the task, train
// with one-cycle (fine-tune pretrained image models), and leave in the run folder the run record (RunLog: run.json,
// log.jsonl, the charts), the weights (models/model.safetensors) and an export
// (export.safetensors, for `flint predict`).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { callbacks, torch, type Learner } from '../index.js';
import { ensureDir } from '../torch/files.js';
import { buildTask, type DataOptions } from './task.js';

export interface TrainOptions extends Omit<DataOptions, 'runDir'> {
  epochs?: number;
  /** The one-cycle maximum lr (default 1e-2; fineTune's base lr 2e-3 with pretrained; the LR finder's valley with lrFind). */
  lr?: number;
  /** Run the LR finder first (its chart goes to the run folder); its suggestion is the lr unless lr is given. */
  lrFind?: boolean;
  /** Train with MixedPrecision (bfloat16 on the CPU, float16 on CUDA). */
  mixedPrecision?: boolean;
  /** The run folder (default runs/<date-time>). */
  runDir?: string;
  /** Train on N processes of this machine (started by flint launch); under a launcher (WORLD_SIZE set) each
   * process trains its shard. */
  nprocPerNode?: number;
  /** The name in the first line ('demo', 'train'). */
  title?: string;
  log?: (line: string) => void;
}

export interface TrainResult {
  learn: Learner;
  runDir: string;
  /** Validation loss and the metric, per epoch. */
  losses: number[];
  metric: number[];
  exportFile: string;
}

export function defaultRunDir(): string {
  return join('runs', new Date().toISOString().replace(/[:.]/g, '-'));
}

/** The run folder, made and checked writable before any training, so a bad --out fails at once. */
export function prepareRunDir(dir: string, command: string): void {
  ensureDir(dir, `${command} --out`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new torch.FlintError(`${command} --out: the folder ${dir} is not writable (${(e as Error).message})`, { cause: e });
  }
}

export async function train(o: TrainOptions = {}): Promise<TrainResult> {
  const runDir = o.runDir ?? defaultRunDir();
  prepareRunDir(runDir, o.title ?? 'train');
  // one of the processes of a data-parallel run (flint launch set WORLD_SIZE): rank 0 prints and writes
  const distributed = Number(process.env.WORLD_SIZE ?? 1) > 1;
  if (distributed) await torch.distributed.initProcessGroup();
  const main = !distributed || torch.distributed.getRank() === 0;
  const log = main ? (o.log ?? console.log) : () => {};
  try {
    return await trainRun(o, runDir, log, distributed);
  } finally {
    if (distributed) await torch.distributed.destroyProcessGroup();
  }
}

async function trainRun(o: TrainOptions, runDir: string, log: (line: string) => void, distributed: boolean): Promise<TrainResult> {
  const { learn, description, notes, fineTune } = buildTask({ ...o, runDir });
  if (distributed) learn.toDistributed();
  for (const n of notes) log(n);
  const epochs = o.epochs ?? 5;
  let lr = o.lr ?? (fineTune ? 2e-3 : 1e-2);
  if (o.lrFind) {
    const { valley } = await learn.lrFind();
    log(`LR finder: valley at ${valley!.toExponential(2)}; chart: ${join(runDir, 'lr_find')}.svg / .png`);
    if (o.lr === undefined) lr = valley!;
  }
  if (o.mixedPrecision) learn.addCb(new callbacks.MixedPrecision());
  // the run record (run.json, log.jsonl) and, at the end, the loss and schedule charts, in the run folder
  learn.addCb(new callbacks.RunLog());
  log(
    `Flint ${o.title ?? 'train'}: ${description}, ${fineTune ? 'fineTune' : 'fitOneCycle'}(${epochs}, ${lr}) with Adam${o.mixedPrecision ? ', mixed precision' : ''}, ` +
      `${learn.dls.device}, libtorch ${torch.libtorchVersion}${distributed ? `, ${torch.distributed.getWorldSize()} processes` : ''}`,
  );
  if (fineTune) await learn.fineTune(epochs, lr);
  else await learn.fitOneCycle(epochs, lr);
  const rec = learn.recorder!;
  const weights = learn.save('model');
  const exportFile = learn.export(join(runDir, 'export.safetensors'));
  log(
    `charts: ${join(runDir, 'loss')}.svg / .png, ${join(runDir, 'schedule')}.svg / .png; run record: ${join(runDir, 'log.jsonl')}; weights: ${weights}; export (for flint predict): ${exportFile}`,
  );
  return { learn, runDir, losses: rec.values.map((v) => v[1]!), metric: rec.values.map((v) => v[2]!), exportFile };
}

/** The LR finder alone: its chart in the run folder and the suggestions printed. */
export async function lrFind(o: Omit<TrainOptions, 'epochs' | 'lr' | 'lrFind'> = {}): Promise<Record<string, number>> {
  const log = o.log ?? console.log;
  const runDir = o.runDir ?? defaultRunDir();
  prepareRunDir(runDir, 'lr-find');
  const { learn, description, notes } = buildTask({ ...o, runDir });
  for (const n of notes) log(n);
  log(`Flint lr-find: ${description}`);
  const suggestions = await learn.lrFind({
    suggestFuncs: { valley: callbacks.valley, slide: callbacks.slide(), minimum: callbacks.minimum, steep: callbacks.steep },
  });
  for (const [name, v] of Object.entries(suggestions)) log(`${name.padEnd(8)}${v.toExponential(2)}`);
  log(`chart: ${join(runDir, 'lr_find')}.svg / .png`);
  return suggestions;
}
