// fastai's Optimizer and step rules: 20 steps on a fixed two-group problem against torch.optim (or a direct
// transcription of fastai's step where torch has no such rule), plus groups, hypers, freezing and state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, optim, torch, type Tensor } from '../src/index.js';
import { type Encoded, assertMatches, fixture, fromEnc, gc } from './helpers.js';

const F = torch.functional;
const fx = fixture<{ steps: number; start: Record<string, Encoded>; cases: Record<string, Encoded[]> }>('optim.json');
const X = fromEnc(fx.start.x!).keep();
const Y = fromEnc(fx.start.y!).keep();

function fresh(): Tensor[] {
  return ['w', 'b', 'v'].map((k) => fromEnc(fx.start[k]!, { requiresGrad: true }).keep());
}
const lossOf = ([w, b, v]: Tensor[]): Tensor => F.mseLoss(X.matmul(w!).add(b!).tanh().matmul(v!), Y);

function run(make: (groups: Tensor[][]) => optim.Optimizer): Tensor[] {
  const ps = fresh();
  const opt = make([[ps[0]!, ps[1]!], [ps[2]!]]);
  for (let k = 0; k < fx.steps; k++) {
    torch.tidy(() => {
      opt.zeroGrad();
      lossOf(ps).backward();
      opt.step();
    });
  }
  return ps;
}

const cases: Record<string, (g: Tensor[][]) => optim.Optimizer> = {
  sgd: (g) => optim.SGD(g, { lr: 0.1 }),
  sgd_group_lrs: (g) => {
    const o = optim.SGD(g, { lr: 0.1 });
    o.setHyper('lr', [0.1, 0.01]);
    return o;
  },
  sgd_nesterov: (g) => optim.SGD(g, { lr: 0.05, mom: 0.9, nesterov: true }),
  sgd_mom_damp_l2: (g) => optim.SGD(g, { lr: 0.05, mom: 0.9, dampening: 0.1, wd: 0.01, decoupleWd: false }),
  sgd_decoupled_wd: (g) => optim.SGD(g, { lr: 0.1, wd: 0.05 }),
  adam_l2: (g) => optim.Adam(g, { lr: 0.01, wd: 0.01, decoupleWd: false }),
  adamw: (g) => optim.AdamW(g, { lr: 0.01 }),
  radam: (g) => optim.RAdam(g, { lr: 0.01 }),
  rmsprop: (g) => optim.RMSProp(g, { lr: 0.01 }),
  rmsprop_mom_l2: (g) => optim.RMSProp(g, { lr: 0.01, sqrMom: 0.9, mom: 0.9, wd: 0.01, decoupleWd: false }),
  lamb: (g) => optim.Lamb(g, { lr: 0.01, wd: 0.01 }),
  lookahead_adamw: (g) => new optim.Lookahead(optim.AdamW(g, { lr: 0.01 }), 3, 0.5),
};

test('every optimizer fixture has a Flint counterpart', () => {
  assert.deepEqual(
    Object.keys(fx.cases).filter((k) => !(k in cases)),
    [],
  );
});

for (const [name, make] of Object.entries(cases)) {
  test(`optimizer ${name}: 20 steps match the reference to 1e-5`, () => {
    const ps = run(make);
    ps.forEach((p, i) => assertMatches(p, fx.cases[name]![i]!, `${name} param ${i}`, { rtol: 1e-5, atol: 1e-7 }));
    torch.dispose(ps);
  });
}

test('fastai defaults: Adam is decoupled with mom 0.9, sqrMom 0.99, eps 1e-5, wd 0.01', () => {
  const p = torch.zeros([2], { requiresGrad: true }).keep();
  const opt = optim.Adam([p]);
  assert.deepEqual(opt.hypers, [{ lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }]);
  assert.equal(opt.decoupleWd, true);
  assert.deepEqual(optim.SGD([p]).hypers, [{ lr: 1e-3, mom: 0, dampening: 0, wd: 0 }]);
  p.dispose();
});

test('setHyper: one value, per-group values, and fastai slices', () => {
  const groups = [0, 1, 2].map(() => [torch.zeros([1], { requiresGrad: true }).keep()]);
  const opt = optim.SGD(groups, { lr: 0.1 });
  assert.deepEqual(
    opt.hypers.map((h) => h.lr),
    [0.1, 0.1, 0.1],
  );
  opt.setHyper('lr', [1, 2, 3]);
  assert.deepEqual(
    opt.hypers.map((h) => h.lr),
    [1, 2, 3],
  );
  opt.setHyper('lr', { stop: 1e-2 });
  assert.deepEqual(
    opt.hypers.map((h) => h.lr),
    [1e-3, 1e-3, 1e-2],
  );
  opt.setHyper('lr', { start: 1e-4, stop: 1e-2 });
  opt.hypers.forEach((h, i) => assert.ok(Math.abs(h.lr! - [1e-4, 1e-3, 1e-2][i]!) < 1e-12));
  assert.throws(() => opt.setHyper('lr', [1, 2]), /2 values for 3 parameter groups/);
  assert.deepEqual(
    opt.paramGroups.map((g) => g.params.length),
    [1, 1, 1],
  );
  torch.dispose(groups);
});

test('freeze / freezeTo / unfreeze: frozen groups get no gradient and no update; forceTrain parameters still train', () => {
  torch.tidy(() => {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(4, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
    const body = [...model.at(0).parameters(), ...model.at(1).parameters()];
    const head = model.at(2).parameters();
    const opt = optim.SGD([body, head], { lr: 0.1 });
    opt.setFlags(model.at(1).parameters(), { forceTrain: true });
    opt.freeze();
    assert.equal(opt.frozenIdx, 1);
    assert.ok(
      model
        .at(0)
        .parameters()
        .every((p) => !p.requiresGrad),
    );
    assert.ok(
      model
        .at(1)
        .parameters()
        .every((p) => p.requiresGrad),
      'batch norm stays trainable',
    );
    const before = model.stateDict();
    const snap = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, t.clone()]));
    const x = torch.randn([8, 4]);
    F.crossEntropy(model.call(x), torch.randint(0, 2, [8])).backward();
    opt.step();
    const after = model.stateDict();
    assert.ok(after['0.weight']!.equal(snap['0.weight']!), 'frozen linear unchanged');
    assert.ok(!after['1.weight']!.equal(snap['1.weight']!), 'batch norm weight trained');
    assert.ok(!after['2.weight']!.equal(snap['2.weight']!), 'head trained');
    opt.unfreeze();
    assert.ok(model.parameters().every((p) => p.requiresGrad));
    assert.throws(() => opt.freezeTo(2), /only 2 parameter groups/);
    assert.throws(() => optim.SGD(model.parameters()).freeze(), /single parameter group/);
    model.dispose();
  });
});

test('doWd: false exempts parameters from weight decay', () => {
  torch.tidy(() => {
    const a = torch.ones([3], { requiresGrad: true });
    const b = torch.ones([3], { requiresGrad: true });
    const opt = optim.SGD([a, b], { lr: 0.1, wd: 0.5 });
    opt.setFlags([b], { doWd: false });
    a.grad = torch.zeros([3]);
    b.grad = torch.zeros([3]);
    opt.step();
    assert.ok(a.allclose(torch.full([3], 0.95)));
    assert.ok(b.equal(torch.ones([3])));
  });
});

test('zeroGrad zeroes in place; stateDict / loadStateDict resume exactly; clearState restarts', () => {
  const a = run((g) => optim.Adam(g, { lr: 0.01 })); // 20 uninterrupted steps
  // 10 steps, save, 10 more in a fresh optimizer after loading the state: the same result
  const ps = fresh();
  const groups = [[ps[0]!, ps[1]!], [ps[2]!]];
  let opt = optim.Adam(groups, { lr: 0.01 });
  const stepOnce = (o: optim.Optimizer) =>
    torch.tidy(() => {
      o.zeroGrad();
      lossOf(ps).backward();
      o.step();
    });
  for (let k = 0; k < 10; k++) stepOnce(opt);
  const sd = opt.stateDict();
  assert.equal(sd.state[0]!.step, 10);
  opt = optim.Adam(groups, { lr: 0.5 });
  opt.loadStateDict(sd);
  assert.equal(opt.hypers[0]!.lr, 0.01);
  for (let k = 0; k < 10; k++) stepOnce(opt);
  ps.forEach((p, i) => assert.ok(p.allclose(a[i]!, 1e-6, 1e-7), `param ${i}`));
  assert.ok(ps.every((p) => p.grad !== null));
  opt.zeroGrad();
  assert.ok(ps.every((p) => p.grad!.abs().sum().item() === 0));
  opt.clearState();
  assert.equal(opt.state.get(ps[0]!)!.step, undefined);
  assert.throws(() => optim.Adam([ps[0]!]).loadStateDict(sd), /Optimizer.loadStateDict: .*the state has 3 parameters, the optimizer 1/);
  torch.dispose([a, ps, sd.state]);
});

test('optimizer steps leave live tensors unchanged', () => {
  const ps = fresh();
  const opt = optim.ranger([[ps[0]!, ps[1]!], [ps[2]!]], { lr: 0.01 });
  const stepOnce = () =>
    torch.tidy(() => {
      opt.zeroGrad();
      lossOf(ps).backward();
      opt.step();
    });
  for (let k = 0; k < 12; k++) stepOnce();
  gc();
  const live = torch.memory().liveTensors;
  for (let k = 0; k < 60; k++) stepOnce();
  gc();
  assert.equal(torch.memory().liveTensors, live);
  opt.clearState();
  torch.dispose(ps);
});

test('bad optimizer input is refused clearly', () => {
  assert.throws(() => optim.SGD([]), /optim.SGD: .*empty parameter list/);
  assert.throws(() => optim.SGD(null as never), /optim.SGD: expected a non-empty array of parameters .* for params, got null/);
  const p = torch.zeros([1], { requiresGrad: true }).keep();
  assert.throws(() => optim.SGD([[p], [p]]), /optim.SGD: .*more than one group/);
  assert.throws(() => optim.SGD([p], { lr: 0.1, nesterov: true }), /optim.SGD: .*nesterov needs mom > 0/);
  assert.throws(() => optim.SGD([{} as Tensor]), /optim.SGD: expected a tensor \(parameters must be tensors\) for params\[0\], got an empty object/);
  // a learning rate that is no learning rate is refused everywhere (issue 8: accepted in silence)
  for (const lr of [NaN, 'abc', -1, Infinity]) {
    for (const [name, make] of [
      ['SGD', optim.SGD],
      ['Adam', optim.Adam],
      ['RAdam', optim.RAdam],
      ['ranger', optim.ranger],
    ] as const) {
      assert.throws(() => make([p], { lr: lr as number }), {
        name: 'ArgumentError',
        message: new RegExp(`^optim.${name}: expected a finite number >= 0 for options.lr`),
      });
    }
    const opt = optim.SGD([p], { lr: 0.1 });
    assert.throws(() => opt.setHyper('lr', lr as number), /Optimizer.setHyper: expected .* for value, got /);
    assert.equal(opt.hypers[0]!.lr, 0.1, 'a refused value changes nothing');
  }
  assert.throws(() => optim.Adam([p], { mom: 1 }), /optim.Adam: expected a number >= 0 and < 1 for options.mom, got 1/);
  assert.throws(() => optim.Adam([p], { lr: 1e-3, betas: [0.9, 0.99] } as never), /optim.Adam: expected one of the options .* for options.betas/);
  p.dispose();
});

test("momentum above 1 and any dampening are accepted, as torch.optim accepts them; Adam's moments stay below 1", () => {
  // references: torch.optim.SGD(lr=0.1, momentum=1.5, dampening=-0.5) and RMSprop(lr=0.01, momentum=2, alpha=0.5),
  // 3 steps on loss = sum(p * [1, 2]) * sum(p) from p = [1, -2]
  const steps = (opt: optim.Optimizer, p: Tensor): number[] => {
    for (let i = 0; i < 3; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        p.mul(torch.tensor([1, 2]))
          .sum()
          .mul(p.sum())
          .backward();
        opt.step();
      });
    }
    return p.toArray() as number[];
  };
  const close = (got: number[], want: number[]) => got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-5, `${got} vs ${want}`));
  const p1 = torch.tensor([1, -2], { requiresGrad: true }).keep();
  close(steps(optim.SGD([p1], { lr: 0.1, mom: 1.5, dampening: -0.5 }), p1), [3.077000141143799, 0.3232499659061432]);
  const p2 = torch.tensor([1, -2], { requiresGrad: true }).keep();
  close(steps(optim.RMSProp([p2], { lr: 0.01, mom: 2, sqrMom: 0.5 }), p2), [1.143847942352295, -1.8562122583389282]);
  const sgd = optim.SGD([p1], { lr: 0.1 });
  sgd.setHyper('mom', 1.5);
  assert.equal(sgd.hypers[0]!.mom, 1.5);
  assert.throws(() => sgd.setHyper('mom', -0.1), {
    name: 'ArgumentError',
    message: 'Optimizer.setHyper: expected a finite number >= 0 for value, got -0.1',
  });
  assert.throws(() => sgd.setHyper('dampening', NaN), {
    name: 'ArgumentError',
    message: 'Optimizer.setHyper: expected a finite number for value, got NaN',
  });
  // PyTorch's betas must be below 1 (the debiasing divides by 1 - beta^t)
  assert.throws(() => optim.Adam([p1], { mom: 1.5 }), {
    name: 'ArgumentError',
    message: 'optim.Adam: expected a number >= 0 and < 1 for options.mom, got 1.5',
  });
  assert.throws(() => optim.Adam([p1]).setHyper('sqrMom', 1), {
    name: 'ArgumentError',
    message: 'Optimizer.setHyper: expected a number >= 0 and < 1 for value, got 1',
  });
  torch.dispose([p1, p2]);
});

test('trainableParams and normBiasParams select what fastai selects', () => {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3),
    new nn.BatchNorm2d(4),
    new nn.Linear(4, 2, { bias: false }),
    new nn.LayerNorm(2),
    new nn.Linear(2, 2),
  );
  model.at(0).requiresGrad_(false);
  assert.equal(optim.trainableParams(model).length, model.parameters().length - 2);
  const named = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  assert.deepEqual(
    optim.normBiasParams(model).map((p) => named.get(p)),
    ['0.bias', '1.weight', '1.bias', '3.weight', '3.bias', '4.bias'],
  );
  assert.deepEqual(
    optim.normBiasParams(model, false).map((p) => named.get(p)),
    ['1.weight', '1.bias', '3.weight', '3.bias'],
  );
  model.dispose();
});

test("markNormBias applies fastai's defaults: norm layers train when frozen, norm and bias params skip weight decay", () => {
  torch.tidy(() => {
    torch.manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(3, 3), new nn.BatchNorm1d(3), new nn.Linear(3, 2));
    const opt = optim.SGD([[...model.at(0).parameters(), ...model.at(1).parameters()], model.at(2).parameters()], { lr: 0.1, wd: 0.1 });
    optim.markNormBias(opt, model);
    opt.freeze();
    const named = new Map(model.namedParameters());
    assert.equal(named.get('0.weight')!.requiresGrad, false);
    assert.equal(named.get('0.bias')!.requiresGrad, false, 'a plain bias is frozen with its layer');
    assert.equal(named.get('1.weight')!.requiresGrad, true, 'batch norm keeps training');
    assert.equal(opt.state.get(named.get('2.bias')!)!.doWd, false);
    assert.equal(opt.state.get(named.get('2.weight')!)?.doWd, undefined);
    // with zero gradients only weight decay moves parameters: the head's weight decays, its bias does not
    for (const p of opt.paramLists.flat()) if (p.requiresGrad) p.grad = torch.zerosLike(p);
    const w = named.get('2.weight')!.clone();
    const b = named.get('2.bias')!.clone();
    opt.step();
    assert.ok(named.get('2.weight')!.allclose(w.mul(0.99)));
    assert.ok(named.get('2.bias')!.equal(b));
    model.dispose();
  });
});
