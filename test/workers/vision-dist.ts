// The data-parallel image run of test/learner-distributed.test.ts: ImageDataLoaders from a folder of PNGs (no
// random transforms: a squish resize, so one process and two ranks see the same pixels), a small CNN, 2 epochs.
import { Learner, metrics, nn, optim, torch, vision } from '../../src/index.js';

export async function visionRun(o: { dir: string; batch: number; distributed: boolean }) {
  torch.manualSeed(5);
  const dls = vision.ImageDataLoaders.fromFolder(o.dir, {
    train: 'train',
    valid: 'valid',
    itemTfms: vision.Resize(12, { method: 'squish' }),
    batchSize: o.batch,
    seed: 3,
  });
  const model = new nn.Sequential(
    new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(4, 2),
  );
  const learn = new Learner(dls, model, {
    lossFunc: new nn.CrossEntropyLossFlat(),
    optFunc: (p) => optim.SGD(p, { mom: 0.9 }),
    metrics: [metrics.accuracy],
  });
  if (o.distributed) learn.toDistributed();
  await learn.noBar(() => learn.fit(2, 0.1));
  const state = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, Array.from(v.toTypedArray() as Float32Array)]));
  return { state, values: learn.recorder!.values };
}
