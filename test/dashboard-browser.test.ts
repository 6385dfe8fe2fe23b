// The dashboard page in a real headless Chromium (Debian's chromium, driven by puppeteer-core): the page follows a
// fit as it runs, its epoch table is the Recorder's, its stop action ends the fit after the epoch with the token and
// is refused without it, two runs are drawn side by side, and a screenshot shows charts with the runs' colours.
// The fits wait at gates (a callback awaiting the test) so that every count asserted is exact: no timing assertions.
// Without Chromium (or puppeteer-core) these tests skip, saying why.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { tinyClassifier } from './helpers.js';
import { Callback, type Learner, callbacks, torch } from '../src/index.js';

const CHROMIUM = process.env.FLINT_CHROMIUM ?? '/usr/bin/chromium';
let launch: typeof import('puppeteer-core')['launch'] | null = null;
try {
  launch = (await import('puppeteer-core')).launch;
} catch {
  launch = null;
}
const skip: string | false =
  launch === null
    ? 'puppeteer-core is not installed (a devDependency: npm install)'
    : existsSync(CHROMIUM)
      ? false
      : `no Chromium at ${CHROMIUM}: install Debian's chromium package (or set FLINT_CHROMIUM to a Chromium binary) to run the browser tests`;

// What the functions run in the page use of its globals (the tests compile without TypeScript's DOM library; these
// declarations are this module's own).
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  hidden: boolean;
  value: number;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
  getElementById(id: string): PageElement | null;
};
declare const window: { echarts: { getInstanceByDom(e: PageElement): { getOption(): { series: { name: string; data: number[][] }[] } } } };
declare const location: { search: string };
declare function requestAnimationFrame(f: () => void): number;

const WAIT = 30_000;
const TRAIN = 160;
const BS = 8;
const N_ITER = TRAIN / BS;

let browserP: Promise<Browser> | null = null;
function browser(): Promise<Browser> {
  browserP ??= launch!({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
  return browserP;
}
after(async () => {
  if (browserP) await (await browserP).close();
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'flint-dashboard-'));
const learner = (cbs: Callback[], path: string, seed = 0): Learner => tinyClassifier({ cbs, path, seed, rows: TRAIN, batchSize: BS });

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Holds the fit at chosen points ('batch <epoch> <iter>' after a training batch, 'epoch <epoch>' after an epoch, the
 * epoch's row published) until the test releases it; the event loop, and so the server, keeps running meanwhile. */
class Gate extends Callback {
  // after the Recorder, the RunLog and the Dashboard
  override order = 90;
  readonly #holds = new Map<string, { reached: Deferred; release: Deferred }>();

  hold(key: string): { reached: Promise<void>; release: () => void } {
    const h = { reached: deferred(), release: deferred() };
    this.#holds.set(key, h);
    return { reached: h.reached.promise, release: h.release.resolve };
  }

  releaseAll(): void {
    for (const h of this.#holds.values()) h.release.resolve();
  }

  async #at(key: string): Promise<void> {
    const h = this.#holds.get(key);
    if (!h) return;
    h.reached.resolve();
    await h.release.promise;
  }

  override async afterBatch(): Promise<void> {
    if (this.learn.training) await this.#at(`batch ${this.learn.epoch} ${this.learn.iter}`);
  }

  override async afterEpoch(): Promise<void> {
    await this.#at(`epoch ${this.learn.epoch}`);
  }
}

interface LiveFit {
  learn: Learner;
  dash: InstanceType<typeof callbacks.Dashboard>;
  gate: Gate;
  runsDir: string;
  id: string;
  dir: string;
  /** The fit's promise (settled: its error, if any, is the test's). */
  done: Promise<void>;
}

/** A fit of nEpoch epochs with a Dashboard and a RunLog writing every batch (so the page's counts are exact), held
 * at `holds` (made before the fit starts). */
async function withLiveFit(
  o: { nEpoch: number; holds: string[]; runsDir?: string; id?: string },
  body: (f: LiveFit, holds: Map<string, { reached: Promise<void>; release: () => void }>) => Promise<void>,
): Promise<void> {
  const runsDir = o.runsDir ?? tmp();
  const id = o.id ?? 'live-run';
  const dir = join(runsDir, id);
  const gate = new Gate();
  const holds = new Map(o.holds.map((k) => [k, gate.hold(k)]));
  const dash = new callbacks.Dashboard({ runsDir, showResults: false });
  const learn = learner([new callbacks.RunLog({ dir, batchEveryMs: 0 }), dash, gate], dir);
  const done = learn.noBar(() => learn.fitOneCycle(o.nEpoch, 1e-2));
  // the test's error first, else the fit's; the fit is always let go and awaited, the server always closed
  let failure: { error: unknown } | null = null;
  try {
    await body({ learn, dash, gate, runsDir, id, dir, done }, holds);
  } catch (error) {
    failure = { error };
  }
  gate.releaseAll();
  try {
    await done;
  } catch (error) {
    failure ??= { error };
  }
  await dash.close();
  if (failure) throw failure.error;
}

/** The page's address with its token (after the server started: at the fit's first batch at the latest). */
function pageUrl(dash: InstanceType<typeof callbacks.Dashboard>, token = true): string {
  const url = dash.url;
  assert.ok(url, 'the dashboard is serving');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  return token ? url : url.slice(0, url.indexOf('?'));
}

/** A new page (its own browser context: no session storage shared) whose script errors are collected. */
async function openPage(url: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const ctx = await (await browser()).createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, close: () => ctx.close() };
}

/** Waits until the chart's data-points attribute is n (the page redraws at most 4 times a second). */
async function waitPoints(page: Page, chart: string, n: number): Promise<void> {
  try {
    await page.waitForFunction(
      (sel: string, want: number) => Number(document.querySelector(sel)?.dataset.points) === want,
      { timeout: WAIT },
      `[data-chart="${chart}"]`,
      n,
    );
  } catch (e) {
    const got = await page.evaluate((sel: string) => document.querySelector(sel)?.dataset.points, `[data-chart="${chart}"]`);
    throw new Error(`chart ${chart}: expected ${n} points, the page shows ${got}`, { cause: e });
  }
}

const card = (id: string): string => `.run-card[data-run="${id}"]`;
const attr = (page: Page, sel: string, name: string): Promise<string | null> =>
  page.$eval(sel, (e, n) => e.getAttribute(n as string), name).catch(() => null);
async function waitAttr(page: Page, sel: string, name: string, value: string): Promise<void> {
  await page.waitForFunction(
    (s: string, n: string, v: string) => document.querySelector(s)?.getAttribute(n) === v,
    { timeout: WAIT },
    sel,
    name,
    value,
  );
}
const tableRows = (page: Page, id: string): Promise<string[][]> =>
  page.$$eval(`.epoch-table[data-run="${id}"] tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));

test('the page follows a running fit: the loss chart gains the points of the batches as they pass', { skip, timeout: 120_000 }, async () => {
  await withLiveFit({ nEpoch: 3, holds: ['epoch 0', 'epoch 1'] }, async (f, holds) => {
    await holds.get('epoch 0')!.reached;
    const { page, errors, close } = await openPage(pageUrl(f.dash));
    try {
      // the live run is picked by default, marked live
      await page.waitForSelector(`#run-list li[data-run="${f.id}"][data-live="true"] input:checked`, { timeout: WAIT });
      // epoch 0 done: its 8 training batches (every one written) and 1 validation loss
      await waitPoints(page, 'loss', N_ITER + 1);
      await waitPoints(page, 'lr', N_ITER);
      await waitPoints(page, 'mom', N_ITER);
      await waitPoints(page, 'metric:accuracy', 1);
      assert.equal(await page.$eval(`${card(f.id)} [data-role="progress"]`, (e) => e.textContent), `epoch 1/3 · batch ${N_ITER}/${N_ITER}`);
      assert.equal(await attr(page, card(f.id), 'data-status'), 'running');
      assert.equal((await tableRows(page, f.id)).length, 1);

      holds.get('epoch 0')!.release();
      await holds.get('epoch 1')!.reached;
      await waitPoints(page, 'loss', 2 * (N_ITER + 1));
      assert.equal(await page.$eval(`${card(f.id)} [data-role="progress"]`, (e) => e.textContent), `epoch 2/3 · batch ${N_ITER}/${N_ITER}`);
      // one epoch to go, as long as the others: the time left is an mm:ss estimate
      assert.match((await page.$eval(`${card(f.id)} [data-role="time-left"]`, (e) => e.textContent)) ?? '', /^\d\d:\d\d$/);

      holds.get('epoch 1')!.release();
      await f.done;
      await waitPoints(page, 'loss', 3 * (N_ITER + 1));
      await waitAttr(page, card(f.id), 'data-status', 'completed');
      // the page's series are the record's values
      const { lines } = callbacks.readRunRecord(f.dir);
      const batches = lines.filter((x): x is callbacks.BatchLine => x.type === 'batch');
      const series = await page.evaluate(() => {
        return window.echarts
          .getInstanceByDom(document.getElementById('chart-loss')!)
          .getOption()
          .series.map((s) => ({ name: s.name, data: s.data }));
      });
      assert.deepEqual(
        series.map((s) => s.name),
        ['train', 'valid'],
      );
      assert.deepEqual(
        series[0]!.data,
        batches.map((b) => [b.step, b.loss]),
      );
      assert.deepEqual(
        series[1]!.data,
        f.learn.recorder!.values.map((v, i) => [N_ITER * (i + 1), v[1]]),
      );
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

test("the epoch table shows the Recorder's values as the terminal table does (6 decimals, the time as written)", {
  skip,
  timeout: 120_000,
}, async () => {
  await withLiveFit({ nEpoch: 4, holds: ['batch 0 0'] }, async (f, holds) => {
    await holds.get('batch 0 0')!.reached;
    const { page, errors, close } = await openPage(pageUrl(f.dash));
    try {
      holds.get('batch 0 0')!.release();
      await f.done;
      // the server keeps serving after the fit: the page reads the whole run
      await waitAttr(page, card(f.id), 'data-status', 'completed');
      await page.waitForFunction(
        (id: string) => document.querySelectorAll(`.epoch-table[data-run="${id}"] tbody tr`).length === 4,
        { timeout: WAIT },
        f.id,
      );
      const rec = f.learn.recorder!;
      const head = await page.$$eval(`.epoch-table[data-run="${f.id}"] thead th`, (ths) => ths.map((th) => th.textContent));
      assert.deepEqual(head, rec.metricNames);
      assert.deepEqual(rec.metricNames, ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
      const epochs = callbacks.readRunRecord(f.dir).lines.filter((x): x is callbacks.EpochLine => x.type === 'epoch');
      const rows = await tableRows(page, f.id);
      assert.equal(rows.length, rec.values.length);
      rows.forEach((row, i) => {
        const v = rec.values[i]!;
        assert.deepEqual(row, [String(i), v[0]!.toFixed(6), v[1]!.toFixed(6), v[2]!.toFixed(6), epochs[i]!.row.time]);
        assert.match(row[4]!, /^\d\d:\d\d$/);
      });
      assert.equal(await page.$eval(`${card(f.id)} [data-role="progress"]`, (e) => e.textContent), `epoch 4/4 · batch ${N_ITER}/${N_ITER}`);
      assert.equal(await page.$eval(`${card(f.id)} [data-role="progress-bar"]`, (e) => (e as unknown as PageElement).value), 1);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

test('"Stop after this epoch" with the token ends the fit at the end of the epoch (run cancelled)', { skip, timeout: 120_000 }, async () => {
  await withLiveFit({ nEpoch: 5, holds: ['batch 1 3'] }, async (f, holds) => {
    await holds.get('batch 1 3')!.reached;
    const { page, errors, close } = await openPage(pageUrl(f.dash));
    try {
      const stop = `${card(f.id)} button[data-role="stop"]`;
      await page.waitForSelector(stop, { visible: true, timeout: WAIT });
      // the token was taken from the address (kept for the tab), not left in it
      assert.equal(await page.evaluate(() => location.search), '');
      assert.equal(await page.$(`${card(f.id)} [data-role="token-note"]`), null);
      await page.click(stop);
      await waitAttr(page, `${card(f.id)} [data-role="stop-answer"]`, 'data-status', '200');
      assert.match((await page.$eval(`${card(f.id)} [data-role="stop-answer"]`, (e) => e.textContent)) ?? '', /Stop asked/);
      holds.get('batch 1 3')!.release();
      await f.done;
      // epoch 1 ran to its end (all its batches, its row), then the fit stopped: 2 of 5 epochs
      assert.equal(f.learn.recorder!.values.length, 2);
      const { info, lines } = callbacks.readRunRecord(f.dir);
      assert.equal(info!.status, 'cancelled');
      assert.deepEqual(lines.at(-1), { ...lines.at(-1), type: 'end', status: 'cancelled' });
      assert.equal(lines.filter((x) => x.type === 'batch').length, 2 * N_ITER);
      await waitAttr(page, card(f.id), 'data-status', 'cancelled');
      await page.waitForFunction(
        (id: string) => document.querySelectorAll(`.epoch-table[data-run="${id}"] tbody tr`).length === 2,
        { timeout: WAIT },
        f.id,
      );
      // no stop to ask for once the run has ended
      assert.equal(await page.$eval(`${card(f.id)} [data-role="stop-box"]`, (e) => (e as unknown as PageElement).hidden), true);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

test('without the token the stop is refused (401, said on the page) and the fit completes', { skip, timeout: 120_000 }, async () => {
  await withLiveFit({ nEpoch: 3, holds: ['batch 1 3'] }, async (f, holds) => {
    await holds.get('batch 1 3')!.reached;
    const { page, errors, close } = await openPage(pageUrl(f.dash, false));
    try {
      const stop = `${card(f.id)} button[data-role="stop"]`;
      await page.waitForSelector(stop, { visible: true, timeout: WAIT });
      // the button says the token is needed
      assert.match((await page.$eval(`${card(f.id)} [data-role="token-note"]`, (e) => e.textContent)) ?? '', /token/);
      await page.click(stop);
      await waitAttr(page, `${card(f.id)} [data-role="stop-answer"]`, 'data-status', '401');
      assert.match((await page.$eval(`${card(f.id)} [data-role="stop-answer"]`, (e) => e.textContent)) ?? '', /Refused \(HTTP 401\).*token/);
      holds.get('batch 1 3')!.release();
      await f.done;
      assert.equal(f.learn.recorder!.values.length, 3);
      assert.equal(callbacks.readRunRecord(f.dir).info!.status, 'completed');
      await waitAttr(page, card(f.id), 'data-status', 'completed');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

/** Pixels of the PNG inside the element's box within `tol` of the colour (per channel). */
function countColour(
  png: { width: number; height: number; px: Uint8Array },
  box: { x: number; y: number; width: number; height: number },
  hex: string,
  tol = 40,
): number {
  const c = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  const plane = png.width * png.height;
  let n = 0;
  for (let y = Math.max(0, Math.floor(box.y)); y < Math.min(png.height, box.y + box.height); y++) {
    for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(png.width, box.x + box.width); x++) {
      const i = y * png.width + x;
      if ([0, 1, 2].every((k) => Math.abs(png.px[k * plane + i]! - c[k]!) <= tol)) n++;
    }
  }
  return n;
}

test('two runs side by side (a finished run folder and the live run), and a screenshot with drawn charts', { skip, timeout: 180_000 }, async () => {
  const runsDir = tmp();
  // a finished run, recorded by a RunLog alone (another seed, another learning rate: other curves)
  const pastDir = join(runsDir, 'past-run');
  const past = learner([new callbacks.RunLog({ dir: pastDir, batchEveryMs: 0 })], pastDir, 1);
  await past.noBar(() => past.fitOneCycle(3, 3e-2));
  await withLiveFit({ nEpoch: 5, holds: ['epoch 2'], runsDir }, async (f, holds) => {
    await holds.get('epoch 2')!.reached;
    const { page, errors, close } = await openPage(pageUrl(f.dash));
    try {
      // the live run is listed and picked; the past one is listed, not live; picking it overlays it
      await page.waitForSelector(`#run-list li[data-run="${f.id}"][data-live="true"] input:checked`, { timeout: WAIT });
      await page.waitForSelector('#run-list li[data-run="past-run"][data-live="false"]', { timeout: WAIT });
      await page.click('#run-list li[data-run="past-run"] input[type="checkbox"]');
      await page.waitForFunction(() => document.querySelector('#chart-loss')?.dataset.series === '4', { timeout: WAIT });
      // live: 3 epochs of 8 batches and 3 validation losses; past: the same
      await waitPoints(page, 'loss', 2 * 3 * (N_ITER + 1));
      await waitPoints(page, 'metric:accuracy', 6);
      const names = await page.evaluate(() => {
        return window.echarts
          .getInstanceByDom(document.getElementById('chart-loss')!)
          .getOption()
          .series.map((s) => s.name);
      });
      assert.deepEqual(names, [`train · ${f.id}`, `valid · ${f.id}`, 'train · past-run', 'valid · past-run']);
      const liveColour = (await attr(page, card(f.id), 'data-colour'))!;
      const pastColour = (await attr(page, card('past-run'), 'data-colour'))!;
      assert.match(liveColour, /^#[0-9a-f]{6}$/);
      assert.match(pastColour, /^#[0-9a-f]{6}$/);
      assert.notEqual(liveColour, pastColour);
      assert.equal(await attr(page, card('past-run'), 'data-status'), 'completed');
      assert.equal((await tableRows(page, 'past-run')).length, 3);
      assert.equal((await tableRows(page, f.id)).length, 3);

      // after the next redraw, the pixels of the page as it is
      await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const shot = Buffer.from(await page.screenshot({ type: 'png' }));
      const file = join(tmp(), 'dashboard.png');
      writeFileSync(file, shot);
      if (process.env.FLINT_UPDATE_SCREENSHOT === '1') {
        const docs = new URL('../../docs/', import.meta.url);
        mkdirSync(docs, { recursive: true });
        writeFileSync(new URL('dashboard.png', docs), shot);
      }
      const img = await torch.decodeImage(readFileSync(file), { mode: 'RGB' });
      const [, height, width] = img.shape as [number, number, number];
      const png = { width, height, px: img.toTypedArray() as Uint8Array };
      img.dispose();
      assert.equal(width, 1280);
      const boxOf = (sel: string) =>
        page.$eval(sel, (e) => {
          const r = e.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        });
      const loss = await boxOf('#chart-loss');
      assert.ok(loss.y + loss.height <= height, 'the loss chart is in the screenshot');
      // both runs' curves are drawn in their colours (a line across the chart is hundreds of pixels)
      const nLive = countColour(png, loss, liveColour);
      const nPast = countColour(png, loss, pastColour);
      assert.ok(nLive > 300, `live run's colour in the loss chart: ${nLive} pixels`);
      assert.ok(nPast > 300, `past run's colour in the loss chart: ${nPast} pixels`);
      for (const sel of ['#chart-lr', '#chart-mom', '[data-chart="metric:accuracy"]']) {
        const box = await boxOf(sel);
        if (box.y + box.height > height) continue; // below the fold
        const n = countColour(png, box, liveColour);
        assert.ok(n > 100, `${sel}: ${n} pixels of the live run's colour`);
      }
      // a chart with nothing drawn has none of a run's colour: the count above is the series, not the frame
      const header = await boxOf('header');
      assert.equal(countColour(png, header, pastColour), 0);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});
