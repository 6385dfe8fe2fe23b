// ActivationStats (fastai's callback/hook.py): the per-layer numbers against PyTorch and against torch ops on the
// layers' outputs, one host read per fit, constant memory over a fit, hooks removed on every exit path, charts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Callback, CancelFitException, Learner, callbacks, data, nn, optim, torch, type Tensor } from '../src/index.js';
import { assertClose, type Encoded, fixture, fromEnc, gc, settle } from './helpers.js';

const fx = fixture<{ acts: { x: Encoded; mean: number; std: number; nearZero: number; hist: Encoded }[] }>('hooks/stats.json');
const dir = mkdtempSync(join(tmpdir(), 'flint-actstats-'));
const live = () => torch.memory().liveTensors;

// made once and kept: learners come and go in the tests below, and their data must not be garbage whose collection
// would move the live tensor counts
torch.manualSeed(0);
const xy = [torch.randn([32, 4]), torch.randint(0, 2, [32]), torch.randn([16, 4]), torch.randint(0, 2, [16])].map((t) => t.keep()) as [
  Tensor,
  Tensor,
  Tensor,
  Tensor,
];

function learner(cbs: Callback[] = []): Learner {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(...xy, { batchSize: 8, shuffle: false });
  const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
  // lr 0: the weights stay as they are, so each batch's activations can be recomputed after the fit
  const l = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLoss(), cbs, optFunc: (p, h) => optim.SGD(p, h), lr: 0, path: dir });
  l.logger = () => {};
  return l;
}
const fit = (l: Learner, n: number, cbs: Callback[] = []) => l.noBar(() => l.fit(n, 0, { cbs }));

test("the hook's numbers are fastai's (mean, std, share <= 0.05, histc(40, 0, 10)), as PyTorch computes them", () => {
  const act = new callbacks.ActivationStats({ withHist: true });
  torch.tidy(() => {
    for (const [k, a] of fx.acts.entries()) {
      const r = act.hook(null as never, [], fromEnc(a.x)) as Record<string, Tensor>;
      assertClose(r.mean!.item(), a.mean, 1e-5, `acts[${k}].mean`);
      assertClose(r.std!.item(), a.std, 1e-5, `acts[${k}].std`);
      assertClose(r.nearZero!.item(), a.nearZero, 1e-6, `acts[${k}].nearZero`);
      assert.deepEqual(Array.from(r.hist!.toTypedArray() as Float32Array), a.hist.data, `acts[${k}].hist`);
    }
    // a layer returning several tensors (nested, as recurrent layers do): one set of numbers per tensor
    const multi = act.hook(null as never, [], [fromEnc(fx.acts[0]!.x), [fromEnc(fx.acts[1]!.x)]]) as Record<string, Tensor>[];
    assert.equal(multi.length, 2);
    assertClose(multi[1]!.mean!.item(), fx.acts[1]!.mean, 1e-5, 'second output');
  });
});

test("per training batch and hooked layer (the leaf layers with parameters), the numbers of the layer's output; one host read", async () => {
  const l = learner();
  await fit(l, 1); // warm-up: the learner's own state, whatever it keeps
  const reads0 = torch.hostReads();
  await fit(l, 2);
  const plainReads = torch.hostReads() - reads0;
  const act = new callbacks.ActivationStats({ withHist: true });
  const reads1 = torch.hostReads();
  await fit(l, 2, [act]);
  assert.equal(torch.hostReads() - reads1, plainReads + 1, 'the statistics are read to the host once per fit');
  const model = l.model as nn.Sequential;
  assert.deepEqual(act.modules, [model.at(0), model.at(2)]);
  const stats = act.stats;
  assert.equal(stats.length, 8, '2 epochs of 4 training batches; validation batches are not recorded');
  let b = 0;
  for (let epoch = 0; epoch < 2; epoch++) {
    for (const batch of l.dls.train) {
      const xb = (batch as Tensor[])[0]!;
      torch.tidy(() =>
        torch.noGrad(() => {
          const o0 = model.at(0).call(xb);
          const o2 = model.at(2).call(model.at(1).call(o0));
          for (const [k, o] of [o0, o2].entries()) {
            const s = stats[b]![k] as callbacks.LayerBatchStats;
            assertClose(s.mean, o.mean().item(), 1e-5, `batch ${b} layer ${k} mean`);
            assertClose(s.std, o.std().item(), 1e-5, `batch ${b} layer ${k} std`);
            assertClose(s.nearZero, o.le(0.05).float().mean().item(), 1e-6, `batch ${b} layer ${k} nearZero`);
            assert.equal(
              s.hist!.reduce((a, c) => a + c, 0),
              o.ge(0).logicalAnd(o.le(10)).sum().item(),
              'the histogram counts the values in [0, 10]',
            );
          }
        }),
      );
      b++;
    }
  }
  // layerStats is stats read by layer; hist is log(1 + counts) with bins as rows
  const [means, stds, nz] = act.layerStats(-1);
  assert.deepEqual(
    means,
    stats.map((s) => (s[1] as callbacks.LayerBatchStats).mean),
  );
  assert.deepEqual(
    stds,
    stats.map((s) => (s[1] as callbacks.LayerBatchStats).std),
  );
  assert.deepEqual(
    nz,
    stats.map((s) => (s[1] as callbacks.LayerBatchStats).nearZero),
  );
  torch.tidy(() => {
    const h = act.hist(0);
    assert.deepEqual(h.shape, [40, 8]);
    assertClose(h.select(1, 3).select(0, 0).item(), Math.log1p((stats[3]![0] as callbacks.LayerBatchStats).hist![0]!), 1e-6, 'hist[0][3]');
  });
  assert.equal(act.hooks, null, 'hooks removed at the end of the fit');
});

test('every: only every n-th training batch is hooked and recorded', async () => {
  const l = learner();
  const act = new callbacks.ActivationStats({ every: 3 });
  let hookedIn: number[] = [];
  const probe = new Callback({
    afterPred: (learn) => {
      if (learn.training && act.hooks !== null) hookedIn.push(learn.trainIter);
    },
  });
  await fit(l, 2, [act, probe]);
  assert.deepEqual(hookedIn, [0, 3, 6]);
  assert.equal(act.stats.length, 3);
  assert.throws(() => act.hist(0), /ActivationStats\.hist: no histograms recorded/);
  hookedIn = [];
});

test('memory: live tensors stay constant over a fit and return to the baseline after it (ActivationStats, HookCallback storing outputs)', async () => {
  class Outputs extends callbacks.HookCallback {
    override hook(_m: nn.Module, _i: unknown, o: unknown): unknown {
      return o;
    }
  }
  for (const make of [
    () => new callbacks.ActivationStats({ withHist: true }),
    () => new Outputs(),
    () => new callbacks.ActivationStats({ every: 2 }),
  ]) {
    const l = learner();
    await fit(l, 1);
    await settle();
    const base = live();
    const perEpoch: number[] = [];
    const probe = new Callback({
      afterEpoch: () => {
        gc();
        perEpoch.push(live());
      },
    });
    const cb = make();
    await fit(l, 4, [cb, probe]);
    assert.ok(
      perEpoch.every((n) => n === perEpoch[0]),
      `${cb.constructor.name}: live tensors per epoch ${perEpoch}`,
    );
    await settle();
    assert.equal(live(), base, `${cb.constructor.name}: back to the baseline after the fit`);
    l.model.dispose();
  }
});

test('the hooks are removed on every exit path: an error, a cancellation; what was recorded stays readable', async () => {
  for (const how of ['error', 'cancel'] as const) {
    const l = learner();
    const stop = new Callback({
      afterBatch: (learn) => {
        if (learn.trainIter === 2) {
          if (how === 'error') throw new Error('boom');
          throw new CancelFitException();
        }
      },
    });
    // the same exit without ActivationStats first: what the learner itself holds after it is the baseline
    await fit(l, 2, [stop]).catch(() => {});
    await settle(); // earlier garbage collected, so the counts below are exact
    const base = live();
    const act = new callbacks.ActivationStats();
    let seen: callbacks.Hooks | null = null;
    const boom = new Callback({
      afterBatch: (learn) => {
        seen ??= act.hooks;
        if (learn.trainIter === 2) {
          if (how === 'error') throw new Error('boom');
          throw new CancelFitException();
        }
      },
    });
    const p = fit(l, 2, [act, boom]);
    if (how === 'error') await assert.rejects(p, /boom/);
    else await p;
    assert.equal(act.hooks, null);
    assert.ok(seen !== null && (seen as callbacks.Hooks).hooks.every((h) => h.removed), `${how}: the module hooks are removed`);
    assert.equal(act.stats.length, 2, `${how}: the two batches recorded before the exit`);
    await settle();
    assert.equal(live(), base, `${how}: nothing left behind`);
    // the model runs without hooks now: nothing is stored
    torch.tidy(() => l.model.call(torch.randn([2, 4])));
    assert.ok((seen as callbacks.Hooks).stored.every((s) => s === undefined));
    l.model.dispose();
  }
});

test('plotLayerStats and colorDim write an SVG and a PNG; their data are layerStats and hist', async () => {
  const l = learner();
  const act = new callbacks.ActivationStats({ withHist: true });
  assert.throws(() => act.layerStats(0), /ActivationStats\.layerStats: no statistics recorded yet/);
  await fit(l, 1, [act]);
  const svg = act.plotLayerStats(0, { file: join(dir, 'stats') });
  assert.ok(svg.startsWith('<svg') && svg.includes('near zero'));
  assert.ok(existsSync(join(dir, 'stats.svg')) && existsSync(join(dir, 'stats.png')));
  const cd = act.colorDim(1, { file: join(dir, 'colordim.svg') });
  // one cell per (bin, batch) with a non-finite-free log1p histogram: 40 bins x 4 batches, plus the background
  assert.equal((cd.match(/<rect /g) ?? []).length, 40 * 4 + 1);
  assert.ok(existsSync(join(dir, 'colordim.svg')) && existsSync(join(dir, 'colordim.png')));
  assert.throws(() => act.layerStats(2), /ActivationStats\.layerStats: expected an integer >= -2 and <= 1 for idx, got 2/);
});
