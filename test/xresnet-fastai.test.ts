// Flint's xresnet against fastai 2.7's own module code (fixtures/xresnet, made by make_xresnet_fixtures.py from a
// line-by-line port of fastai's ConvLayer / ResBlock / XResNet run in torch 1.13): state-dict keys, shapes and
// order; logits with deterministic weights in eval mode (64x64 and an odd 37x37) and in train mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { models, nn, torch, type Tensor } from '../src/index.js';
import { fixture, fillDeterministic } from './helpers.js';

interface KeyRec {
  keys: [string, number[]][];
  params: number;
}
interface Logits {
  logitsShape: number[];
  logits: number[];
}
const keys = fixture<Record<string, KeyRec>>('xresnet/keys.json');
const fwd = fixture<{
  nOut: number;
  eval: Record<string, Logits>;
  train: {
    'xresnet18@64': Logits & {
      '0.1.running_mean': number[];
      '0.1.running_var': number[];
      '7.1.convpath.1.1.running_var': number[];
      '7.1.convpath.1.1.num_batches_tracked': number;
    };
  };
}>('xresnet/forward.json');
const ARCHS = ['xresnet18', 'xresnet34', 'xresnet50', 'xresnet101', 'xresnet152'] as const;
type Arch = (typeof ARCHS)[number];
const nParams = (m: nn.Module) => m.parameters().reduce((s, p) => s + p.numel(), 0);
const keyList = (m: nn.Module) => Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.shape]]);

/** The fixture script's deterministic weights (helpers.fillDeterministic), the residual branches' last norms marked. */
function fill(m: nn.Module, bottleneck: boolean): void {
  fillDeterministic(m, (name) => isLastBn(name, bottleneck));
}
/** The norm ending a residual branch (fastai's BatchZero): '<stage>.<block>.convpath.<1 or 2>.1.weight'. */
function isLastBn(name: string, bottleneck: boolean): boolean {
  const p = name.split('.');
  return p.length === 6 && p[2] === 'convpath' && p[3] === (bottleneck ? '2' : '1') && p[4] === '1';
}

const input = (h: number) =>
  torch.tidy(() => {
    const i = torch.arange(2 * 3 * h * h, { dtype: 'float64' });
    return i.mul(0.003).sin().add(i.mul(1.3).sin().mul(0.5)).reshape([2, 3, h, h]).float();
  });
const maxDiff = (got: Tensor, want: number[]) => {
  const g = Array.from(got.toTypedArray() as Float32Array);
  assert.equal(g.length, want.length);
  return want.reduce((m, w, i) => Math.max(m, Math.abs(g[i]! - w)), 0);
};

test("xresnet18..152: fastai's state-dict keys, in order, with the same shapes and parameter counts", () => {
  for (const a of ARCHS) {
    const m = models[a]();
    try {
      assert.deepEqual(keyList(m), keys[a]!.keys, a);
      assert.equal(nParams(m), keys[a]!.params, a);
    } finally {
      m.dispose();
    }
  }
});

test("xresnet18 with cIn 1, nOut 7, p 0.25: fastai's keys and shapes, and the Dropout's p", () => {
  const m = models.xresnet18({ nOut: 7, cIn: 1, p: 0.25 });
  try {
    assert.deepEqual(keyList(m), keys.xresnet18_cin1!.keys);
    assert.equal(nParams(m), keys.xresnet18_cin1!.params);
    const drop = m.children()[10];
    assert.ok(drop instanceof nn.Dropout && drop.p === 0.25);
  } finally {
    m.dispose();
  }
});

test("xresnet18 and xresnet50 in eval mode give fastai's logits to 1e-4 (64x64, and 37x37 for ceil-mode pooling)", () => {
  for (const [a, h] of [
    ['xresnet18', 64],
    ['xresnet50', 64],
    ['xresnet18', 37],
  ] as [Arch, number][]) {
    const m = models[a]({ nOut: fwd.nOut });
    try {
      fill(m, a === 'xresnet50');
      m.eval();
      const want = fwd.eval[`${a}@${h}`]!;
      torch.tidy(() =>
        torch.noGrad(() => {
          const y = m.call(input(h));
          assert.deepEqual([...y.shape], want.logitsShape);
          const d = maxDiff(y, want.logits);
          assert.ok(d <= 1e-4, `${a}@${h}: logits differ by ${d}`);
        }),
      );
    } finally {
      m.dispose();
    }
  }
});

test("xresnet18 in train mode (batch statistics) gives fastai's logits and running statistics", () => {
  const m = models.xresnet18({ nOut: fwd.nOut });
  try {
    fill(m, false);
    m.train();
    const want = fwd.train['xresnet18@64'];
    torch.tidy(() =>
      torch.noGrad(() => {
        const y = m.call(input(64));
        const d = maxDiff(y, want.logits);
        assert.ok(d <= 1e-4, `train logits differ by ${d}`);
        const sd = m.stateDict();
        assert.ok(maxDiff(sd['0.1.running_mean']!, want['0.1.running_mean']) <= 1e-5, '0.1.running_mean');
        assert.ok(maxDiff(sd['0.1.running_var']!, want['0.1.running_var']) <= 1e-5, '0.1.running_var');
        const last = '7.1.convpath.1.1';
        assert.ok(maxDiff(sd[`${last}.running_var`]!, want[`${last}.running_var`]) <= 1e-5, `${last}.running_var`);
        assert.equal(Number(sd[`${last}.num_batches_tracked`]!.item()), want[`${last}.num_batches_tracked`]);
      }),
    );
  } finally {
    m.dispose();
  }
});
