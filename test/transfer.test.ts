// Transfer learning end to end: a small ResNet trained on Fashion-MNIST classes 0-4 is saved as a safetensors state
// dict (with its own 5-class head), then visionLearner({ pretrained }) cuts its body and trains fastai's head on
// classes 5-9 from 20 images a class. Its features must beat the same body with random weights, trained the same
// way (the body frozen, the head and BatchNorm training), by a margin measured over seeds (see the test's comment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, metrics, nn, torch, visionLearner, Learner } from '../src/index.js';
import { accuracy, loaders, subset, TinyResNet } from '../examples/transfer.js';

test('transfer: a body pretrained on Fashion-MNIST 0-4 beats the same body with random weights on 5-9 from 20 images a class', async (t) => {
  const raw = data.loadFashionMnist();
  const [source, target] = [
    [0, 1, 2, 3, 4],
    [5, 6, 7, 8, 9],
  ];
  const [xa, ya] = subset(raw.xTrain, raw.yTrain, source, 3000);
  const [xav, yav] = subset(raw.xValid, raw.yValid, source, 1000);
  const [xb, yb] = subset(raw.xTrain, raw.yTrain, target, 100, 20);
  const [xbv, ybv] = subset(raw.xValid, raw.yValid, target, 1000);
  torch.dispose(raw);
  const dir = mkdtempSync(join(tmpdir(), 'flint-transfer-'));
  try {
    // pretraining: the whole arch with its own 5-class head, saved as a state dict
    torch.manualSeed(0);
    const pre = new TinyResNet();
    const la = new Learner(loaders([xa, ya], [xav, yav], 64, 0), pre, { lossFunc: new nn.CrossEntropyLossFlat(), metrics: [metrics.accuracy()] });
    await la.noLogging(() => la.noBar(() => la.fitOneCycle(3, 1e-2)));
    const accSource = await accuracy(la);
    assert.ok(accSource > 0.8, `pretraining learned classes 0-4 (accuracy ${accSource})`);
    const file = join(dir, 'tiny-resnet.safetensors');
    torch.save(pre.stateDict(), file);

    // the same recipe twice, on the same 100 images: the frozen body (its BatchNorm training) and a new head
    const train = async (pretrained: string | false): Promise<number> => {
      torch.manualSeed(1);
      const learn = visionLearner(loaders([xb, yb], [xbv, ybv], 10, 0), () => new TinyResNet(), {
        pretrained,
        nIn: 1,
        metrics: [metrics.accuracy()],
      });
      learn.freeze(); // already frozen when pretrained; the random body must not learn either
      await learn.noLogging(() => learn.noBar(() => learn.fitOneCycle(5, 1e-2)));
      return accuracy(learn);
    };
    const accPretrained = await train(file);
    const accRandom = await train(false);
    t.diagnostic(`accuracy on 5-9: pretrained ${accPretrained.toFixed(3)}, random ${accRandom.toFixed(3)} (source 0-4: ${accSource.toFixed(3)})`);
    // Measured over seeds 0-9 (the pretraining, the 20 images a class, the heads): pretrained 0.703-0.788, random
    // 0.590-0.695, gaps 0.054-0.177 (seed 0, this test: 0.736 and 0.623); the margin is under half the smallest gap.
    assert.ok(
      accPretrained - accRandom >= 0.025,
      `pretrained features ${accPretrained.toFixed(3)} should beat random ones ${accRandom.toFixed(3)} by 0.025 or more`,
    );
    assert.ok(accPretrained > 0.6, `pretrained features classify 5 new classes far above chance (0.2): ${accPretrained}`);
  } finally {
    torch.dispose([xa, ya, xav, yav, xb, yb, xbv, ybv]);
    rmSync(dir, { recursive: true, force: true });
  }
});
