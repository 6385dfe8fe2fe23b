// The `flint` command's entry: the real actions behind the parsed command line. Ctrl-C during training prints
// where the fit stopped and exits 130; other errors print their message and exit 1. `flint launch` exits with its
// processes' outcome.
import { FitInterrupted } from '../index.js';
import { writeFileAtomic } from '../torch/files.js';
import { buildProgram, type CliActions } from './program.js';
import { defaultRunDir, lrFind, train, type TrainOptions } from './train.js';
import { predict, predictionsCsv } from './predict.js';
import { freePort, launch, withoutOption } from './launch.js';
import { fileURLToPath } from 'node:url';

/** `flint train --nproc-per-node N` (and demo) outside a launcher: the same command on N processes under flint
 * launch, sharing one run folder and a free port of this machine. */
async function trainOnProcesses(o: TrainOptions): Promise<boolean> {
  const n = o.nprocPerNode ?? 1;
  if (n === 1 || process.env.WORLD_SIZE !== undefined) return false;
  const args = withoutOption(argvSeen, '--nproc-per-node');
  if (o.runDir === undefined) args.push('--out', defaultRunDir());
  const bin = fileURLToPath(new URL('../../../bin/flint.js', import.meta.url));
  process.exitCode = await launch({ script: bin, args, nprocPerNode: n, masterPort: await freePort() });
  return true;
}

export const actions: CliActions = {
  demo: async (o) => {
    if (!(await trainOnProcesses(o))) await train({ ...o, title: 'demo' });
  },
  train: async (o) => {
    if (!(await trainOnProcesses(o))) await train(o);
  },
  lrFind: async (o) => {
    await lrFind(o);
  },
  predict: async (exportFile, input, o) => {
    const csv = predictionsCsv(await predict(exportFile, input, o));
    if (!o.out) {
      process.stdout.write(csv);
      return;
    }
    writeFileAtomic(o.out, Buffer.from(csv), 'predict --out');
  },
  launch: async (o) => {
    // the processes' outcome is the command's exit status (130 after Ctrl-C)
    process.exitCode = await launch(o);
  },
};

let argvSeen: string[] = [];

export async function main(argv: string[]): Promise<void> {
  argvSeen = argv;
  try {
    await buildProgram(actions).parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof FitInterrupted) {
      console.error(`flint: ${e.message}`);
      process.exit(130);
    }
    const message = (e as Error).message ?? String(e);
    // errors from `flint launch` already say so
    console.error(message.startsWith('flint ') ? message : `flint: ${message}`);
    process.exit(1);
  }
}
