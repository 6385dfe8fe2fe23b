// The `flint` command (commander): demo, train, lr-find, predict, launch and dashboard, each with --help; train and lr-find take
// Fashion-MNIST (the default), a CSV file (--csv) or a folder of images (--images). The actions are passed in,
// so the parsing is testable without training anything.
import { Command, Option } from 'commander';
import { device, fraction, modelOrPixels, nonNegativeInt, port, positiveInt, positiveNumber } from './options.js';
import { IMAGE_ARCHS } from './image-task.js';
import { CLI_METRICS } from './metrics.js';
import type { TrainOptions } from './train.js';
import type { PredictOptions } from './predict.js';
import type { LaunchOptions } from './launch.js';
import { type DashboardCliOptions, dashboardPort, serveRuns } from './dashboard.js';

export interface CliActions {
  demo(o: TrainOptions): Promise<void>;
  train(o: TrainOptions): Promise<void>;
  lrFind(o: TrainOptions): Promise<void>;
  predict(exportFile: string, input: string, o: PredictOptions & { out?: string }): Promise<void>;
  launch(o: LaunchOptions): Promise<void>;
  /** Default: serve the folder until Ctrl-C (./dashboard.js). */
  dashboard?(runsDir: string, o: DashboardCliOptions): Promise<void>;
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function fitOptions(c: Command): Command {
  return c
    .option('--epochs <n>', 'epochs', positiveInt, 5)
    .option(
      '--lr <lr>',
      "the one-cycle maximum learning rate (default 1e-2; 2e-3 fine-tuning with --pretrained; the LR finder's valley with --lr-find)",
      positiveNumber,
    )
    .option('--lr-find', 'run the LR finder first and write its chart', false)
    .option('--nproc-per-node <n>', 'train data-parallel on N processes of this machine (flint launch; --batch-size is per process)', positiveInt);
}

function commonOptions(c: Command): Command {
  return c
    .option('--batch-size <n>', 'batch size (default 128 for Fashion-MNIST, 64 for tables and --images)', positiveInt)
    .option('--device <device>', 'cpu or cuda (default cuda when available)', device)
    .option('--out <dir>', 'the run folder (default runs/<date-time>)');
}

function dataOptions(c: Command): Command {
  return c
    .option('--csv <file>', 'train on a CSV file with a header row (default: Fashion-MNIST)')
    .option('--target <column>', 'the CSV column to predict')
    .addOption(
      new Option('--task <task>', 'classification or regression (default: guessed from the target)').choices(['classification', 'regression']),
    )
    .option('--categorical <columns>', 'comma-separated CSV columns to treat as categories even if numeric', list)
    .option('--ignore <columns>', 'comma-separated CSV columns to leave out (identifiers, other targets)', list)
    .option('--valid-col <column>', 'a CSV column of true/false marking the validation rows (instead of a random --valid-pct split)')
    .option('--seed <n>', 'the seed of the random validation split (default 42)', nonNegativeInt)
    .option(
      '--metrics <names>',
      `comma-separated metrics for --csv (default accuracy, or rmse for a regression): ${Object.keys(CLI_METRICS).join(', ')}`,
      list,
    )
    .option(
      '--valid-pct <p>',
      'fraction of the CSV rows (or of the images, without train/ and valid/ folders) held out for validation',
      fraction,
      0.2,
    )
    .addOption(
      new Option('--size <size>', "model size: small, medium or large; with --images, the images' side in pixels")
        .argParser(modelOrPixels)
        .default('medium', 'medium; 224 with --images'),
    )
    .option('--images <dir>', 'train on a folder of images labelled by their folders: DIR/train/<class>/ and DIR/valid/<class>/, or DIR/<class>/')
    .addOption(new Option('--arch <arch>', 'the architecture for --images (default resnet18)').choices([...IMAGE_ARCHS]))
    .option('--pretrained <file>', "the architecture's weights (safetensors, torchvision's keys) for --images: fine-tune them");
}

/** launch's options, each also under torchrun's older underscore spelling (--nproc_per_node), hidden from --help. */
const LAUNCH_OPTIONS: [flag: string, value: string, help: string, parse?: (v: string) => unknown][] = [
  ['nproc-per-node', '<n>', 'processes on this machine (default 1)', positiveInt],
  ['nnodes', '<m>', 'machines taking part (default 1)', positiveInt],
  ['node-rank', '<r>', "this machine's rank, 0 to M-1 (default 0)", nonNegativeInt],
  ['master-addr', '<addr>', 'the address of the machine with --node-rank 0 (default 127.0.0.1; required with --nnodes > 1)'],
  ['master-port', '<port>', "that machine's free port for the rank-0 process's TCP store (default 29500)", port],
];

function launchCommand(c: Command, actions: CliActions): Command {
  for (const [flag, value, help, parse] of LAUNCH_OPTIONS) {
    const main = new Option(`--${flag} ${value}`, help);
    c.addOption(parse ? main.argParser(parse) : main);
    if (!flag.includes('-')) continue;
    const alias = new Option(`--${flag.replaceAll('-', '_')} ${value}`).hideHelp();
    c.addOption(parse ? alias.argParser(parse) : alias);
  }
  return c
    .argument('<script>', 'the script every process runs (node SCRIPT ARGS...)')
    .argument('[args...]', "the script's arguments, passed through untouched (options included)")
    .passThroughOptions()
    .action((script: string, args: string[], p: Parsed) => {
      const pick = (camel: string, snake: string): unknown => p[camel] ?? p[snake];
      const o = {
        script,
        args,
        nprocPerNode: pick('nprocPerNode', 'nproc_per_node'),
        nnodes: p.nnodes,
        nodeRank: pick('nodeRank', 'node_rank'),
        masterAddr: pick('masterAddr', 'master_addr'),
        masterPort: pick('masterPort', 'master_port'),
      };
      return actions.launch(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as LaunchOptions);
    });
}

type Parsed = Record<string, unknown>;
function trainOptions(p: Parsed, cmd?: Command): TrainOptions {
  // --size is a pixel size with --images, where the models' default size ('medium') means nothing
  const size = typeof p.size === 'number' || (p.images !== undefined && cmd?.getOptionValueSource('size') === 'default') ? undefined : p.size;
  // the image options only when given, so the other commands' options stay as they were
  const images = Object.fromEntries(
    (
      [
        ['images', p.images],
        ['arch', p.arch],
        ['pretrained', p.pretrained],
        ['imageSize', typeof p.size === 'number' ? p.size : undefined],
      ] as const
    ).filter(([, v]) => v !== undefined),
  ) as Pick<TrainOptions, 'images' | 'arch' | 'pretrained' | 'imageSize'>;
  return {
    csv: p.csv as string | undefined,
    target: p.target as string | undefined,
    task: p.task as TrainOptions['task'],
    categorical: p.categorical as string[] | undefined,
    ignore: p.ignore as string[] | undefined,
    validPct: p.validPct as number | undefined,
    ...(p.validCol === undefined ? {} : { validCol: p.validCol as string }),
    ...(p.seed === undefined ? {} : { seed: p.seed as number }),
    ...(p.metrics === undefined ? {} : { metrics: p.metrics as string[] }),
    size: size as TrainOptions['size'],
    epochs: p.epochs as number | undefined,
    lr: p.lr as number | undefined,
    lrFind: p.lrFind as boolean | undefined,
    mixedPrecision: p.mixedPrecision as boolean | undefined,
    batchSize: p.batchSize as number | undefined,
    device: p.device as string | undefined,
    runDir: p.out as string | undefined,
    ...images,
    // only when given, so the other commands' options stay as they were
    ...(p.nprocPerNode === undefined ? {} : { nprocPerNode: p.nprocPerNode as number }),
  };
}

/** The program. `testing` makes parse errors and --help throw (CommanderError) instead of exiting, and sends
 * commander's output to the given writers; subcommands inherit it, so it is set before they are added. */
export function buildProgram(actions: CliActions, testing?: { writeOut: (s: string) => void; writeErr: (s: string) => void }): Command {
  const program = new Command('flint')
    .description("fastai's Learner for TypeScript, on libtorch: train and predict from the command line")
    .showHelpAfterError('(add --help for usage)')
    // so that launch passes the options after its script through to the script
    .enablePositionalOptions();
  if (testing) program.exitOverride().configureOutput({ writeOut: testing.writeOut, writeErr: testing.writeErr });
  commonOptions(
    fitOptions(
      program
        .command('demo')
        .description('train a CNN on Fashion-MNIST with one-cycle (5 epochs, about 91% accuracy), writing charts, weights and an export'),
    ),
  ).action((p: Parsed) => actions.demo(trainOptions(p)));
  commonOptions(
    fitOptions(
      dataOptions(
        program
          .command('train')
          .description(
            'train on Fashion-MNIST, a CSV file or a folder of images with one-cycle (fine-tune with --pretrained); the run folder gets charts, weights and export.safetensors',
          ),
      ),
    ),
  )
    .option('--mixed-precision', 'train in mixed precision (bfloat16 on the CPU, float16 on CUDA)', false)
    .action((p: Parsed, cmd: Command) => actions.train(trainOptions(p, cmd)));
  commonOptions(
    dataOptions(
      program
        .command('lr-find')
        .description('run the LR finder on Fashion-MNIST, a CSV file or a folder of images: print the suggestions and write the chart'),
    ),
  ).action((p: Parsed, cmd: Command) => actions.lrFind(trainOptions(p, cmd)));
  program
    .command('predict')
    .description(
      'predict every item of <input> with an export: a CSV file for a table model; an image, a folder of images or an IDX image file for an image model',
    )
    .argument('<export>', 'an export.safetensors written by flint train or learn.export()')
    .argument('<input>', 'the data to predict (a folder: every image below it)')
    .option('--batch-size <n>', 'batch size', positiveInt, 256)
    .option('--device <device>', 'cpu or cuda', device, 'cpu')
    .option('--out <file>', 'write the CSV here instead of to stdout')
    .action((exportFile: string, input: string, p: Parsed) =>
      actions.predict(exportFile, input, { batchSize: p.batchSize as number, device: p.device as string, out: p.out as string | undefined }),
    );
  launchCommand(
    program
      .command('launch')
      .description(
        "run a script in N processes with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT) and supervise them: the first to fail stops the others, Ctrl-C reaches them all",
      ),
    actions,
  );
  program
    .command('dashboard')
    .description('serve the live dashboard of a folder of runs (past ones, and those training now) until Ctrl-C')
    .argument('[runsDir]', 'the folder of run folders', 'runs')
    .option('--port <port>', 'the port (0: any free port)', dashboardPort, 0)
    .option('--host <host>', 'the address to bind (default 127.0.0.1; another needs --allow-remote)')
    .option('--allow-remote', 'allow binding an address other machines reach; every request then needs the printed token', false)
    .action(async (runsDir: string, p: Parsed) => {
      const o: DashboardCliOptions = { port: p.port as number, allowRemote: p.allowRemote as boolean };
      if (p.host !== undefined) o.host = p.host as string;
      await (actions.dashboard ?? serveRuns)(runsDir, o);
    });
  return program;
}
