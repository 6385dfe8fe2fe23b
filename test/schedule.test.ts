// Schedules against fastai's formulas written out here, and the scheduled fits (one-cycle, flat-cos, SGDR,
// fine-tuning) through ParamScheduler's record of the hyper-parameters it set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, callbacks, data, nn, optim, schedule, torch } from '../src/index.js';

const points = Array.from({ length: 25 }, (_, i) => i / 24);
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test("each schedule equals fastai's formula at 25 points", () => {
  const cases: [schedule.Schedule, (p: number) => number, string][] = [
    [schedule.SchedLin(0.1, 0.9), (p) => 0.1 + p * (0.9 - 0.1), 'lin'],
    [schedule.SchedCos(0.1, 0.9), (p) => 0.1 + ((1 + Math.cos(Math.PI * (1 - p))) * (0.9 - 0.1)) / 2, 'cos'],
    [schedule.SchedNo(0.3, 0.9), () => 0.3, 'no'],
    [schedule.SchedExp(1e-4, 1e-1), (p) => 1e-4 * (1e-1 / 1e-4) ** p, 'exp'],
    [schedule.SchedPoly(2, 0.5, 3), (p) => 2 + (0.5 - 2) * p ** 3, 'poly'],
  ];
  for (const [f, ref, name] of cases) for (const p of points) near(f(p) as number, ref(p), `${name}(${p})`);
});

test('combineScheds and combinedCos switch schedules at the shares', () => {
  const f = schedule.combineScheds([0.3, 0.7], [schedule.SchedLin(0, 1), schedule.SchedCos(1, 0)]);
  for (const p of points) {
    const ref = p < 0.3 ? p / 0.3 : 1 + ((1 + Math.cos(Math.PI * (1 - (p - 0.3) / 0.7))) * (0 - 1)) / 2;
    near(f(p) as number, ref, `combined(${p})`);
  }
  const oc = schedule.combinedCos(0.25, 0.004, 0.1, 1e-6);
  near(oc(0) as number, 0.004, 'start');
  near(oc(0.25) as number, 0.1, 'peak');
  near(oc(1) as number, 1e-6, 'end');
  const perGroup = schedule.SchedLin([0, 10], [1, 20]);
  assert.deepEqual(perGroup(0.5), [0.5, 15]);
  assert.throws(
    () => schedule.combineScheds([0.5, 0.4], [schedule.SchedNo(1), schedule.SchedNo(2)]),
    /schedule\.combineScheds: expected shares that sum to 1 \(these sum to 0\.9\) for pcts, got \[0\.5, 0\.4\]/,
  );
  assert.throws(() => schedule.SchedLin(0, 1)(1.5), /schedule\.SchedLin: expected a position in \[0, 1\] for pos, got 1\.5/);
});

function learner(groups = false): Learner {
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([64, 4]), torch.randint(0, 2, [64]), torch.randn([16, 4]), torch.randint(0, 2, [16]), {
    batchSize: 8,
  });
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
  const splitter = groups ? (m: nn.Module) => [(m as nn.Sequential).at(0).parameters(), (m as nn.Sequential).at(2).parameters()] : undefined;
  const l = new Learner(dls, model, { lossFunc: new nn.CrossEntropyLoss(), splitter, optFunc: optim.Adam });
  l.logger = () => {};
  return l;
}

test('fitOneCycle: lr warms up by cosine to lrMax at pctStart and anneals to lrMax/divFinal; momentum mirrors it', async () => {
  const l = learner();
  await l.noBar(() => l.fitOneCycle(2, 0.01));
  const { lr, mom } = l.recorder!.hps as { lr: number[]; mom: number[] };
  const n = lr.length;
  assert.equal(n, 2 * l.dls.train.length);
  const ref = schedule.combinedCos(0.25, 0.01 / 25, 0.01, 0.01 / 1e5);
  lr.forEach((v, i) => near(v, ref(i / n) as number, `lr at batch ${i}`));
  const refMom = schedule.combinedCos(0.25, 0.95, 0.85, 0.95);
  mom.forEach((v, i) => near(v, refMom(i / n) as number, `mom at batch ${i}`));
  assert.equal(Math.max(...lr), lr[Math.round(0.25 * n)]!);
});

test('discriminative learning rates: a range spreads over the parameter groups', async () => {
  const l = learner(true);
  await l.noBar(() => l.fitOneCycle(1, { start: 1e-4, stop: 1e-2 }, { pctStart: 0.5 }));
  const peak = l.recorder!.hps.lr!;
  near(Math.max(...peak), 1e-2, 'last group peaks at the top of the range');
  const [g0, g1] = l.opt!.hypers.map((h) => h.lr!);
  near(g0! / g1!, 1e-2, 'first group runs 100x lower');
});

test('fitSgdr restarts each cycle at lrMax; fitFlatCos stays flat then anneals', async () => {
  const l = learner();
  await l.noBar(() => l.fitSgdr(2, 1, 0.01));
  const lr = l.recorder!.hps.lr!;
  const per = l.dls.train.length;
  assert.equal(lr.length, 3 * per, '1 + 2 epochs');
  near(lr[0]!, 0.01, 'cycle 1 starts at lrMax');
  near(lr[per]!, 0.01, 'cycle 2 restarts at lrMax');
  const f = learner();
  await f.noBar(() => f.fitFlatCos(2, 0.005));
  const flat = f.recorder!.hps.lr!;
  assert.ok(flat.slice(0, Math.floor(0.75 * flat.length)).every((v) => Math.abs(v - 0.005) < 1e-15));
  const refFlat = schedule.combinedCos(0.75, 0.005, 0.005, 0.005 / 1e5);
  flat.forEach((v, i) => near(v, refFlat(i / flat.length) as number, `flat-cos lr at batch ${i}`));
  assert.ok(flat[flat.length - 1]! < 0.005 * 0.2, 'annealing by the last batch');
});

test('fineTune trains the head frozen, then everything with discriminative rates', async () => {
  const l = learner(true);
  const body = (l.model as nn.Sequential).at(0) as nn.Linear;
  const w0 = body.weight.clone().keep();
  const states: boolean[] = [];
  l.addCb(
    new (await import('../src/index.js')).Callback({
      beforeFit: (ln) => {
        states.push(((ln.model as nn.Sequential).at(0) as nn.Linear).weight.requiresGrad);
      },
    }),
  );
  await l.noBar(() => l.fineTune(1, 2e-3));
  assert.deepEqual(states, [false, true], 'frozen body first, then unfrozen');
  assert.ok(!body.weight.equal(w0), 'the body trained in the second stage');
  const [g0, g1] = l.opt!.hypers.map((h) => h.lr!);
  assert.ok(g0! < g1!, 'lower rates for the body');
  const dir = mkdtempSync(join(tmpdir(), 'flint-sched-'));
  l.recorder!.plotSched({ file: join(dir, 'sched') });
  assert.ok(existsSync(join(dir, 'sched.svg')) && existsSync(join(dir, 'sched.png')));
  w0.dispose();
});

test('LR finder: exponential lrs, stops on divergence, restores model and optimizer exactly, writes its chart', async () => {
  const l = learner();
  const dir = mkdtempSync(join(tmpdir(), 'flint-lrfind-'));
  (l as { path: string }).path = dir;
  await l.noBar(() => l.fit(1, 1e-3)); // an optimizer with state, to be restored exactly
  const before = Object.fromEntries(Object.entries(l.model.stateDict()).map(([k, t]) => [k, t.clone().keep()]));
  const optBefore = l.opt!.stateDict();
  const res = await l.noBar(() => l.lrFind({ numIt: 40 }));
  const rec = l.recorder!;
  rec.lrs.forEach((lr, i) => near(lr, 1e-7 * (10 / 1e-7) ** (i / 40), `lr ${i}`));
  assert.ok(rec.lrs.length <= 40);
  assert.ok(res.valley! > 1e-7 && res.valley! < 10, `valley ${res.valley}`);
  for (const [k, t] of Object.entries(l.model.stateDict())) assert.ok(t.equal(before[k]!), `${k} restored`);
  const optAfter = l.opt!.stateDict();
  assert.deepEqual(optAfter.hypers, optBefore.hypers);
  optAfter.state.forEach((s, i) =>
    assert.ok((s.gradAvg as import('../src/index.js').Tensor).equal(optBefore.state[i]!.gradAvg as import('../src/index.js').Tensor)),
  );
  assert.ok(existsSync(join(dir, 'lr_find.svg')) && existsSync(join(dir, 'lr_find.png')));
  const diverging = learner();
  await diverging.noBar(() => diverging.lrFind({ numIt: 200, startLr: 1e-3, endLr: 1e4, showPlot: false }));
  assert.ok(diverging.recorder!.lrs.length < 200, `stopped after ${diverging.recorder!.lrs.length} batches`);
  assert.equal(diverging.recorder!.losses.length, diverging.recorder!.lrs.length, 'a fit stopped mid-epoch keeps its losses');
  torch.dispose([before, optBefore.state, optAfter.state]);
});

test('LR finder after fineTune (fastai#3658), and the suggestion functions', async () => {
  const l = learner(true);
  await l.noBar(() => l.fineTune(1));
  const res = await l.noBar(() =>
    l.lrFind({
      numIt: 30,
      showPlot: false,
      suggestFuncs: { valley: callbacks.valley, minimum: callbacks.minimum, steep: callbacks.steep, slide: callbacks.slide() },
    }),
  );
  assert.deepEqual(Object.keys(res), ['valley', 'minimum', 'steep', 'slide']);
  // on a known curve: loss falls to its minimum at index 6, then rises
  const lrs = Array.from({ length: 12 }, (_, i) => 10 ** (-6 + i / 2));
  const losses = [5, 4.9, 4.5, 3.8, 3.0, 2.5, 2.2, 2.4, 3, 4, 6, 9];
  assert.deepEqual(callbacks.minimum(lrs, losses, 12), { lr: lrs[6]! / 10, point: [lrs[6]!, 2.2] });
  assert.deepEqual(callbacks.steep(lrs, losses, 12).lr, lrs[3], 'steepest fall between index 3 and 4');
  // longest valley: the decreasing run ends at 6 with length 7, so fastai's start is 6 - 7 = -1;
  // sections = 7 / 3, idx = -1 + 2 + 1 = 2
  assert.equal(callbacks.valley(lrs, losses, 12).lr, lrs[2]);
});
