// Module.registerFullBackwardHook against PyTorch's register_full_backward_hook (test/fixtures/hooks), and
// fastai's Hook / Hooks / hookOutput(s) / HookCallback (callbacks/hook.ts): what they store, and that they free it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback, callbacks, data, Learner, nn, optim, torch, type Tensor } from '../src/index.js';
import { pendingBackwardCount } from '../src/torch/backward-hooks.js';
import { assertMatches, type Encoded, fixture, fromEnc, liveTensors } from './helpers.js';

interface Logged {
  module: string;
  gradInput: (Encoded | null)[];
  gradOutput: (Encoded | null)[];
}
interface Run {
  x: Encoded;
  log: Logged[];
}
const fx = fixture<{ weights: Record<string, Encoded>; noGradInput: Run; gradInput: Run }>('hooks/backward.json');

function model(): nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  torch.tidy(() => m.loadStateDict(Object.fromEntries(Object.entries(fx.weights).map(([k, v]) => [k, fromEnc(v)]))));
  return m;
}

for (const which of ['noGradInput', 'gradInput'] as const) {
  test(`registerFullBackwardHook: gradInput / gradOutput of each layer and the order match PyTorch (${which})`, () => {
    const m = model();
    const run = fx[which];
    const log: { module: string; gradInput: (Tensor | null)[]; gradOutput: (Tensor | null)[] }[] = [];
    const mods: [string, nn.Module][] = [
      ['0', m.at(0)],
      ['1', m.at(1)],
      ['2', m.at(2)],
      ['seq', m],
    ];
    const handles = mods.map(([name, mod]) =>
      mod.registerFullBackwardHook((mm, gin, gout) => {
        assert.equal(mm, mod);
        log.push({ module: name, gradInput: gin.map((g) => g?.keep() ?? null), gradOutput: gout.map((g) => g?.keep() ?? null) });
      }),
    );
    torch.tidy(() => {
      const x = fromEnc(run.x, { requiresGrad: which === 'gradInput' });
      m.call(x).pow(2).sum().backward();
      assert.equal(pendingBackwardCount(), 0, 'fired records are dropped');
    });
    assert.deepEqual(
      log.map((l) => l.module),
      run.log.map((l) => l.module),
    );
    log.forEach((got, k) => {
      const want = run.log[k]!;
      assert.equal(got.gradInput.length, want.gradInput.length);
      got.gradInput.forEach((g, i) => {
        const w = want.gradInput[i]!;
        if (w === null) assert.equal(g, null, `${got.module}: gradInput[${i}] is null, as PyTorch's None`);
        else assertMatches(g!, w, `${got.module}: gradInput[${i}]`);
      });
      got.gradOutput.forEach((g, i) => assertMatches(g!, want.gradOutput[i]!, `${got.module}: gradOutput[${i}]`));
    });
    for (const l of log) torch.dispose([l.gradInput, l.gradOutput]);
    handles.forEach((h) => h.remove());
    m.dispose();
  });
}

test('registerFullBackwardHook: nothing recorded under noGrad, records of freed calls dropped, removal stops a hook, a returned value is refused', () => {
  const m = model();
  let calls = 0;
  const h = m.at(0).registerFullBackwardHook(() => {
    calls++;
  });
  const x = torch.randn([5, 3]);
  torch.tidy(() => torch.noGrad(() => m.call(x)));
  assert.equal(pendingBackwardCount(), 0, 'a forward under noGrad records nothing');
  // forwards with no backward: their records go when their scopes free the tensors (swept as the list grows)
  for (let i = 0; i < 200; i++) torch.tidy(() => m.call(x));
  assert.ok(pendingBackwardCount() < 64, `records pile up: ${pendingBackwardCount()}`);
  torch.tidy(() => m.call(x).sum().backward());
  assert.equal(calls, 1, 'the first backward reaching a call fires it, once');
  assert.equal(pendingBackwardCount(), 0);
  // removed between the forward and the backward: does not fire
  torch.tidy(() => {
    const y = m.call(x);
    h.remove();
    y.sum().backward();
  });
  assert.equal(calls, 1);
  const bad = m.at(2).registerFullBackwardHook((() => 5) as never);
  torch.tidy(() => assert.throws(() => m.call(x).sum().backward(), /registerFullBackwardHook: a backward hook returned a value/));
  bad.remove();
  assert.throws(
    () => m.registerFullBackwardHook(null as never),
    /^ArgumentError: Module\.registerFullBackwardHook: expected a function for hook, got null$/m,
  );
  x.dispose();
  m.dispose();
});

test("Hook stores the function's result, detached; the previous result is freed when replaced; remove() frees it and stops the hook", () => {
  const m = model();
  const x = torch.randn([5, 3], { requiresGrad: true });
  const live0 = liveTensors();
  const seen: unknown[] = [];
  const h = new callbacks.Hook(m.at(0), (mod, input, output) => {
    seen.push(mod === m.at(0), (input as Tensor[])[0]!.requiresGrad, (output as Tensor).requiresGrad);
    return { out: output, twice: [(output as Tensor).mul(2)] };
  });
  let first: Tensor;
  torch.tidy(() => {
    const y = m.call(x);
    const s = h.stored as { out: Tensor; twice: Tensor[] };
    assert.ok(s.out.equal(m.at(0).forward(x)) && s.twice[0]!.equal(s.out.mul(2)));
    assert.ok(y.requiresGrad, "the model's output is untouched");
    first = s.out;
  });
  assert.deepEqual(seen, [true, false, false], 'detached inputs and output');
  assert.ok(!first!.isDisposed, 'stored tensors outlive the scope of the call');
  assert.equal(liveTensors(), live0 + 2);
  torch.tidy(() => {
    m.call(x);
  });
  assert.ok(first!.isDisposed, 'replaced: the previous result is freed');
  assert.equal(liveTensors(), live0 + 2, 'no growth from call to call');
  h.remove();
  h.remove();
  assert.equal(h.stored, undefined);
  assert.equal(liveTensors(), live0, 'remove() frees what the hook stored');
  torch.tidy(() => {
    m.call(x);
  });
  assert.equal(seen.length, 6, 'removed: the function no longer runs');
  // `using` removes it at the end of the block
  {
    using h2 = callbacks.hookOutput(m.at(2), { cpu: true });
    torch.tidy(() => {
      m.call(x);
    });
    assert.deepEqual((h2.stored as Tensor).shape, [5, 2]);
  }
  assert.equal(liveTensors(), live0);
  x.dispose();
  m.dispose();
});

test('hookOutput with grad stores the output gradients; hookOutputs / Hooks index, iterate and remove together', () => {
  const m = model();
  const x = torch.randn([5, 3]);
  const g = callbacks.hookOutput(m.at(2), { grad: true });
  const hs = callbacks.hookOutputs([m.at(0), m.at(1)]);
  torch.tidy(() => {
    const y = m.call(x);
    y.pow(2).sum().backward();
    // d(sum y^2)/dy = 2y
    assert.ok((g.stored as Tensor[])[0]!.allclose(y.detach().mul(2)));
    assert.equal(hs.length, 2);
    assert.equal(hs.at(-1), hs.hooks[1]);
    assert.deepEqual(
      [...hs].map((h) => (h.stored as Tensor).shape),
      [
        [5, 4],
        [5, 4],
      ],
    );
    assert.ok((hs.stored[1] as Tensor).equal((hs.stored[0] as Tensor).relu()));
  });
  assert.throws(() => hs.at(2), /^ArgumentError: Hooks\.at: expected an integer >= -2 and <= 1 for i, got 2$/m);
  hs.remove();
  g.remove();
  assert.ok(hs.hooks.every((h) => h.removed) && hs.stored.every((s) => s === undefined));
  x.dispose();
  m.dispose();
});

test("modelSizes and dummyEval: the shapes of the children's outputs for a dummy input; the training flags restored", () => {
  const cnn = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(8, 4, 3, { stride: 2, padding: 1 }),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
  );
  const live0 = liveTensors();
  assert.deepEqual(callbacks.modelSizes(cnn, [16, 16]), [
    [1, 8, 8, 8],
    [1, 8, 8, 8],
    [1, 4, 4, 4],
    [1, 4, 1, 1],
    [1, 4],
  ]);
  assert.equal(liveTensors(), live0, 'modelSizes leaves nothing behind');
  assert.ok(cnn.training, 'the training flags are restored');
  torch.tidy(() => assert.deepEqual((callbacks.dummyEval(cnn, [8, 8]) as Tensor).shape, [1, 4]));
  const mlp = model();
  // a Linear first: its input size, no spatial size
  torch.tidy(() => assert.deepEqual((callbacks.dummyEval(mlp, []) as Tensor).shape, [1, 2]));
  assert.throws(() => callbacks.modelSizes(new nn.ReLU()), /callbacks\.dummyEval: ReLU has no layer with a weight/);
  cnn.dispose();
  mlp.dispose();
});

test("HookCallback: a subclass's hook runs on the training batches of a fit only, on the leaf layers with parameters", async () => {
  const calls: string[] = [];
  class Names extends callbacks.HookCallback {
    override hook(m: nn.Module, _i: unknown, o: unknown): unknown {
      calls.push(`${m.constructor.name} ${(o as Tensor).shape.join('x')}`);
      return undefined;
    }
  }
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([4, 3]), torch.randint(0, 2, [4]), {
    batchSize: 4,
    shuffle: false,
  });
  const l = new Learner(dls, model(), { lossFunc: new nn.CrossEntropyLoss(), optFunc: (p, h) => optim.SGD(p, h), lr: 0.1 });
  l.logger = () => {};
  const cb = new Names({ removeEnd: false });
  await l.noBar(() => l.fit(1, 0.1, { cbs: [cb] }));
  // two training batches of 4; the validation batch is not hooked
  assert.deepEqual(calls, ['Linear 4x4', 'Linear 4x2', 'Linear 4x4', 'Linear 4x2']);
  assert.ok(cb.hooks !== null, 'removeEnd: false keeps them after the fit');
  const kept = cb.hooks!;
  // outside a fit they run on every call
  torch.tidy(() => {
    l.model.call(torch.randn([1, 3]));
  });
  assert.equal(calls.length, 6);
  // a second fit replaces the hooks left by the first (no duplicates)
  await l.noBar(() => l.fit(1, 0.1, { cbs: [cb] }));
  assert.equal(calls.length, 10);
  assert.ok(kept.hooks.every((h) => h.removed) && cb.hooks !== kept);
  cb.hooks?.remove();
  l.model.dispose();
});

test("HookCallback with isForward: false stores what the hook makes of the gradients, during the fit's backward", async () => {
  class OutGrads extends callbacks.HookCallback {
    override hook(_m: nn.Module, _gradInput: unknown, gradOutput: unknown): unknown {
      return (gradOutput as Tensor[])[0];
    }
  }
  torch.manualSeed(0);
  const dls = data.DataLoaders.fromTensors(torch.randn([8, 3]), torch.randint(0, 2, [8]), torch.randn([4, 3]), torch.randint(0, 2, [4]), {
    batchSize: 4,
    shuffle: false,
  });
  const l = new Learner(dls, model(), { lossFunc: new nn.CrossEntropyLoss(), optFunc: (p, h) => optim.SGD(p, h), lr: 0.1 });
  l.logger = () => {};
  const cb = new OutGrads({ isForward: false });
  let checked = 0;
  const probe = new Callback({
    afterBackward: (learn) => {
      // d(mean cross-entropy)/d(pred) = (softmax(pred) - onehot(y)) / batch size
      torch.tidy(() => {
        const p = learn.pred!.detach();
        const onehot = torch.zeros([4, 2]).scatter(1, learn.yb[0]!.unsqueeze(1), 1);
        const want = p.softmax(1).sub(onehot).div(p.shape[0]!);
        assert.ok((cb.hooks!.stored[1] as Tensor).allclose(want, 1e-5, 1e-6));
        assert.deepEqual((cb.hooks!.stored[0] as Tensor).shape, [4, 4]);
      });
      checked++;
    },
  });
  await l.noBar(() => l.fit(1, 0.1, { cbs: [cb, probe] }));
  assert.equal(checked, 2);
  assert.equal(cb.hooks, null);
  l.model.dispose();
});
