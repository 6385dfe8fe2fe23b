// torch.tidy scopes follow the async context: concurrent async scopes each own only their own tensors,
// returned tensors move to the caller's scope, sync nesting works inside async scopes, errors free the scope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, torch, type Tensor } from '../src/index.js';

const live = () => torch.memory().liveTensors;

/** A promise and its resolve, so a test decides exactly when each scope resumes and ends. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

test('two interleaved async scopes keep their own tensors alive and free only theirs', async () => {
  const before = live();
  const g1 = gate(),
    g2 = gate(),
    g3 = gate();
  let a1!: Tensor, a2!: Tensor, b1!: Tensor, b2!: Tensor;
  // A: creates a1, waits; B: creates b1, waits; A: creates a2, waits; B: creates b2 and ends; then A ends.
  const pa = torch.tidy(async () => {
    a1 = torch.ones([2]);
    await g1.wait;
    a2 = torch.ones([3]);
    await g3.wait;
    return a1.add(a2.sum()).sum().item();
  });
  const pb = torch.tidy(async () => {
    b1 = torch.ones([4]);
    await g2.wait;
    b2 = b1.mul(2);
    return b2.sum().item();
  });
  g1.open();
  await new Promise((r) => setImmediate(r));
  assert.equal(live(), before + 3, 'a1, a2 and b1 are alive');
  g2.open();
  assert.equal(await pb, 8);
  // B ended first (the order that used to free A's tensors): only B's are gone
  assert.equal(b1.isDisposed, true);
  assert.equal(b2.isDisposed, true);
  assert.equal(a1.isDisposed, false);
  assert.equal(a2.isDisposed, false);
  assert.equal(
    torch.tidy(() => a1.add(1).sum().item()),
    4,
    "A's tensors still compute",
  );
  g3.open();
  assert.equal(await pa, 8);
  assert.equal(a1.isDisposed, true);
  assert.equal(a2.isDisposed, true);
  assert.equal(live(), before);
  assert.equal(torch.memory().scopes, 0);
});

test("interleaved scopes that end in the order they began also keep each other's tensors", async () => {
  const before = live();
  const g1 = gate(),
    g2 = gate();
  let a!: Tensor, b!: Tensor;
  const pa = torch.tidy(async () => {
    a = torch.ones([2]);
    await g1.wait;
    return a.sum().item();
  });
  const pb = torch.tidy(async () => {
    b = torch.ones([2]);
    await g2.wait;
    return b.sum().item();
  });
  g1.open();
  assert.equal(await pa, 2);
  assert.equal(a.isDisposed, true);
  assert.equal(b.isDisposed, false, "A ending does not free B's tensor");
  g2.open();
  assert.equal(await pb, 2);
  assert.equal(live(), before);
});

test("an async scope's returned tensors move to the scope tidy was called in", async () => {
  const before = live();
  let inner!: Tensor, scratch!: Tensor;
  const out = await torch.tidy(async () => {
    const r = await torch.tidy(async () => {
      scratch = torch.ones([5]);
      await new Promise((res) => setTimeout(res, 1));
      inner = scratch.mul(2);
      return { m: new Map([['k', [inner]]]) };
    });
    assert.equal(scratch.isDisposed, true, 'the inner scope freed what it did not return');
    assert.equal(inner.isDisposed, false);
    return r.m.get('k')![0]!.sum();
  });
  // the outer scope owned the moved tensor and freed it; only its own returned sum is alive
  assert.equal(inner.isDisposed, true);
  assert.equal(out.item(), 10);
  assert.equal(live(), before + 1);
  out.dispose();
  assert.equal(live(), before);
});

test('sync tidy nested in an async scope, and async in sync', async () => {
  const before = live();
  let kept!: Tensor;
  const total = await torch.tidy(async () => {
    await new Promise((res) => setImmediate(res));
    const x = torch.tidy(() => {
      const t = torch.ones([3]);
      t.add(1); // freed with the sync scope
      return t.mul(3);
    });
    assert.equal(live(), before + 1, 'only the returned tensor survived the sync scope');
    kept = torch.ones([1]).keep();
    return x.sum().item();
  });
  assert.equal(total, 9);
  assert.equal(live(), before + 1, 'kept tensors outlive every scope');
  kept.dispose();
  let pending!: Promise<Tensor>;
  torch.tidy(() => {
    pending = torch.tidy(async () => {
      await new Promise((res) => setImmediate(res));
      return torch.ones([2]);
    });
    return 0;
  });
  const t = await pending;
  // the async scope outlived the sync one it began in: its result goes to the nearest open scope (none here)
  assert.equal(t.isDisposed, false);
  assert.equal(live(), before + 1);
  t.dispose();
  assert.equal(live(), before);
  assert.equal(torch.memory().scopes, 0);
});

test('a scope whose function throws or rejects frees its tensors', async () => {
  const before = live();
  assert.throws(
    () =>
      torch.tidy(() => {
        torch.ones([5]);
        throw new Error('sync');
      }),
    /sync/,
  );
  await assert.rejects(
    torch.tidy(async () => {
      torch.ones([5]);
      await new Promise((res) => setImmediate(res));
      torch.ones([6]);
      throw new Error('async');
    }),
    /async/,
  );
  assert.equal(live(), before);
  assert.equal(torch.memory().scopes, 0);
});

test('torch.tidy refuses a non-function with an ArgumentError', () => {
  for (const bad of [5, null, undefined, 'fn', {}, 1n]) {
    assert.throws(
      () => torch.tidy(bad as never),
      (e: unknown) => e instanceof ArgumentError && e.message.startsWith('torch.tidy: expected a function for fn, got'),
    );
  }
  assert.throws(() => torch.tidy(5 as never), { message: 'torch.tidy: expected a function for fn, got 5' });
  assert.equal(torch.memory().scopes, 0);
});

test('scopes count open scopes across async contexts', async () => {
  const g = gate();
  const seen: number[] = [];
  const p = torch.tidy(async () => {
    await g.wait;
  });
  const q = torch.tidy(async () => {
    seen.push(torch.memory().scopes);
    torch.tidy(() => seen.push(torch.memory().scopes));
  });
  await q;
  assert.deepEqual(seen, [2, 3]);
  assert.equal(torch.memory().scopes, 1);
  g.open();
  await p;
  assert.equal(torch.memory().scopes, 0);
});

test('a timer scheduled inside a scope: its tensors go to that scope while it is open, then to the nearest open one', async () => {
  const made: Tensor[] = [];
  const waitFor = async (n: number): Promise<void> => {
    while (made.length < n) await new Promise((r) => setTimeout(r, 2));
  };
  let timer: NodeJS.Timeout | undefined;
  let inner: Tensor[] = [];
  let later: Tensor[] = [];
  const laterMade = gate();
  const release = gate();
  try {
    const outer = torch.tidy(async () => {
      await torch.tidy(async () => {
        // scheduled inside the inner scope: each tick runs in its async context
        timer = setInterval(() => {
          made.push(torch.ones([1]));
        }, 1);
        await waitFor(2);
      });
      // no timer runs between the inner scope's end and here (only promise callbacks)
      inner = made.slice();
      await waitFor(inner.length + 2);
      clearInterval(timer);
      later = made.slice(inner.length);
      laterMade.open();
      await release.wait;
    });
    await laterMade.wait;
    assert.ok(inner.length >= 2 && inner.every((t) => t.isDisposed), 'what the timer made while the inner scope was open is freed with it');
    assert.ok(later.length >= 2 && later.every((t) => !t.isDisposed), 'what it made after the inner scope ended lives in the outer one');
    release.open();
    await outer;
    assert.ok(
      later.every((t) => t.isDisposed),
      'and is freed when the outer scope ends',
    );
  } finally {
    clearInterval(timer);
    release.open();
  }
});

test('a timer scheduled before any scope makes untracked tensors, even while a scope runs', async () => {
  const before = torch.memory().liveTensors;
  let t: Tensor | null = null;
  const timer = setTimeout(() => {
    t = torch.ones([1]);
  }, 1);
  await torch.tidy(async () => {
    await new Promise((r) => setTimeout(r, 20));
  });
  clearTimeout(timer);
  assert.ok(t !== null && !(t as Tensor).isDisposed, 'the scope did not take a tensor made by unrelated code');
  (t as unknown as Tensor).dispose();
  assert.equal(torch.memory().liveTensors, before);
});
