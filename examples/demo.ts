// The main job (`npm run demo`, `npx flint demo`): a small CNN trained on Fashion-MNIST with the Learner and
// fastai's one-cycle schedule, accuracy as the metric, fastai's table as it trains; the loss, schedule and (with
// --lr-find) LR-finder charts, the weights and an export for `flint predict` go to a run folder. The work is
// `flint train`'s (src/cli/train.ts) with Fashion-MNIST's defaults.
import { models, type Learner, type nn } from '../src/index.js';
import { train, type TrainOptions } from '../src/cli/train.js';
import { main } from '../src/cli/main.js';

/** Three stride-2 conv + ReLU + BatchNorm blocks (32, 64, 128 channels), average pooling, a linear head. */
export function makeCnn(): nn.Sequential {
  return models.createModel('simpleCnn', { nIn: 1, nOut: 10, channels: [32, 64, 128] }) as nn.Sequential;
}

export type DemoOptions = Omit<TrainOptions, 'csv' | 'target' | 'task' | 'categorical' | 'validPct' | 'title'>;

export async function demo(
  o: DemoOptions = {},
): Promise<{ losses: number[]; accuracies: number[]; runDir: string; learn: Learner; exportFile: string }> {
  const r = await train({ ...o, title: 'demo' });
  return { losses: r.losses, accuracies: r.metric, runDir: r.runDir, learn: r.learn, exportFile: r.exportFile };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(['demo', ...process.argv.slice(2)]);
}
