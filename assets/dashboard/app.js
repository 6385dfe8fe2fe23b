// Flint's dashboard page: plain JS, no build step, no framework; ECharts (served from the package's own
// node_modules) draws the charts. The page reads the run records of the HTTP API (GET /api/runs, /record), follows
// the chosen runs with server-sent events, and redraws at most four times a second whatever the rate of lines.
// A module script (strict, its names its own), run after echarts.min.js (both deferred, in document order).
/** Okabe-Ito's colour-blind-safe colours (yellow left out: unreadable on white); one per selected run. */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#8c564b'];
const STAT_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const DASHES = ['solid', 'dashed', 'dotted'];
const RENDER_EVERY_MS = 250;
const LIST_EVERY_MS = 15000;
const TOKEN_KEY = 'flint-token';
/** Epoch-row columns that are not metrics of their own chart. */
const NOT_METRICS = new Set(['epoch', 'train_loss', 'valid_loss', 'time']);
const STAT_TITLES = { activations: 'Activation statistics', gradNorms: 'Gradient norms' };

const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'className') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};

// ---- the token: from ?token= once (then kept in sessionStorage and taken out of the address bar, so that it
// does not end up in screenshots, history or bookmarks), sent as X-Flint-Token (EventSource and images: ?token=)
const token = (() => {
  const url = new URL(location.href);
  const q = url.searchParams.get('token');
  if (q) {
    try {
      sessionStorage.setItem(TOKEN_KEY, q);
    } catch {
      // storage disabled: the token lives as long as the page
    }
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return q;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
})();
const headers = () => (token ? { 'X-Flint-Token': token } : {});
const runPath = (id, rest) => `/api/runs/${encodeURIComponent(id)}/${rest}`;
const withToken = (url) => (token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url);

async function getJson(url) {
  const r = await fetch(url, { headers: headers(), cache: 'no-store' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

// ---- formats (the terminal's: src/progress/format.ts)
function formatTime(seconds) {
  const t = Math.max(0, Math.round(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}
/** A cell as the terminal table writes it: the first column's integers as they are, other numbers with 6
 * decimals, strings (the time) as they are, missing as nothing. */
function formatCell(v, i) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) && i === 0 ? String(v) : v.toFixed(6);
  return String(v);
}
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const axisNumber = (v) => (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(6))));

// ---- state
/** id -> run: { id, live, info, lines, selected, colour, data, view, es, ... } */
const runs = new Map();
/** Selected run ids in the order they were picked (their colours follow it). */
let selected = [];
const dirty = { charts: new Set(), cards: new Set(), tables: new Set(), images: new Set(), layout: false, list: false };
let listLoaded = false;

function emptyData() {
  return {
    train: [],
    valid: [],
    lr: [],
    mom: [],
    /** metric name -> [[step, value]] */
    metrics: new Map(),
    /** stats kind -> name -> [[step, value]] */
    stats: new Map(),
    /** each fit: its 'fit' line, its epoch lines, its latest batch line and its end */
    fits: [],
    /** file kind -> its newest 'file' line */
    files: new Map(),
    lastT: 0,
    lastAt: performance.now(),
  };
}

function currentFit(d, names) {
  if (d.fits.length === 0) d.fits.push({ line: { type: 'fit', t: 0, fit: 1, names, nEpoch: 0 }, epochs: [], batch: null, end: null });
  return d.fits[d.fits.length - 1];
}

/** One record line into the run's chart series, tables and progress (no drawing here). */
function ingest(run, line) {
  const d = run.data;
  if (isNum(line.t)) d.lastT = line.t;
  d.lastAt = performance.now();
  switch (line.type) {
    case 'fit':
      d.fits.push({ line, epochs: [], batch: null, end: null });
      dirty.tables.add(run.id);
      dirty.list = true;
      break;
    case 'batch': {
      if (isNum(line.loss)) d.train.push([line.step, line.loss]);
      if (isNum(line.lr)) d.lr.push([line.step, line.lr]);
      if (isNum(line.mom)) d.mom.push([line.step, line.mom]);
      currentFit(d, []).batch = line;
      dirty.charts.add('loss').add('lr').add('mom');
      break;
    }
    case 'epoch': {
      const row = line.row ?? {};
      const fit = currentFit(d, Object.keys(row));
      fit.epochs.push(line);
      if (isNum(row.valid_loss)) d.valid.push([line.step, row.valid_loss]);
      dirty.charts.add('loss');
      for (const [name, v] of Object.entries(row)) {
        if (NOT_METRICS.has(name) || !(isNum(v) || v === null)) continue;
        let pts = d.metrics.get(name);
        if (!pts) {
          d.metrics.set(name, (pts = []));
          dirty.layout = true;
        }
        if (isNum(v)) pts.push([line.step, v]);
        dirty.charts.add(`metric:${name}`);
      }
      dirty.tables.add(run.id);
      break;
    }
    case 'end':
      currentFit(d, []).end = line;
      dirty.list = true;
      break;
    case 'file':
      d.files.set(line.kind, line);
      dirty.images.add(run.id);
      break;
    case 'stats': {
      let kind = d.stats.get(line.kind);
      if (!kind) {
        d.stats.set(line.kind, (kind = new Map()));
        dirty.layout = true;
      }
      for (const [name, v] of Object.entries(line.values ?? {})) {
        let pts = kind.get(name);
        if (!pts) kind.set(name, (pts = []));
        if (isNum(v)) pts.push([line.step, v]);
      }
      dirty.charts.add(`stats:${line.kind}`);
      break;
    }
    default:
      return; // a newer writer's line type
  }
  dirty.cards.add(run.id);
}

/** The run's state: the last fit's end, else run.json's. */
function runStatus(run) {
  const fit = run.data.fits.at(-1);
  if (fit?.end) return fit.end.status;
  if (fit) return 'running';
  return run.info?.status ?? 'unknown';
}
const isRunning = (run) => runStatus(run) === 'running';

// ---- charts
const charts = new Map(); // key -> { key, el, ec }
const hasECharts = () => typeof window.echarts === 'object' && window.echarts !== null;

function makeChart(key, container) {
  const c = { key, el: container, ec: null };
  if (hasECharts()) {
    c.ec = window.echarts.init(container, null, { renderer: 'canvas' });
    c.ec.setOption({
      animation: false,
      textStyle: { fontFamily: 'system-ui, sans-serif' },
      grid: { left: 64, right: 20, top: 36, bottom: 44 },
      legend: { type: 'plain', top: 4, left: 8, right: 8, textStyle: { fontSize: 11 } },
      tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? axisNumber(v) : v) },
      xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, minInterval: 1, scale: true },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: axisNumber } },
      series: [],
    });
    new ResizeObserver(() => c.ec?.resize()).observe(container);
  }
  charts.set(key, c);
  return c;
}

/** The series of a chart for the selected runs (arrays shared with the run's data: nothing copied here). */
function seriesOf(key) {
  const out = [];
  const chosen = selected.map((id) => runs.get(id)).filter(Boolean);
  const line = (id, name, colour, data, extra) => ({
    id,
    name,
    type: 'line',
    data,
    showSymbol: false,
    symbolSize: 6,
    // a long run's thousands of batch lines: drawn downsampled to the chart's width (the tooltip keeps every point)
    sampling: 'lttb',
    lineStyle: { width: 2, color: colour, type: extra?.dash ?? 'solid' },
    itemStyle: { color: colour },
    emphasis: { disabled: true },
    // a lone point (a first batch, a stats line a second) is only visible as a symbol
    ...(extra?.symbols || data.length <= 1 ? { showSymbol: true, symbol: 'circle' } : {}),
  });
  chosen.forEach((run, ri) => {
    const d = run.data;
    const tag = chosen.length > 1 ? ` · ${run.id}` : '';
    if (key === 'loss') {
      out.push(line(`${run.id}\u0000train`, `train${tag}`, run.colour, d.train));
      out.push(line(`${run.id}\u0000valid`, `valid${tag}`, run.colour, d.valid, { dash: 'dashed', symbols: true }));
    } else if (key === 'lr' || key === 'mom') {
      out.push(line(`${run.id}\u0000${key}`, `${key}${tag}`, run.colour, d[key]));
    } else if (key.startsWith('metric:')) {
      const name = key.slice(7);
      const pts = d.metrics.get(name);
      if (pts) out.push(line(`${run.id}\u0000${name}`, `${name}${tag}`, run.colour, pts, { symbols: true }));
    } else if (key.startsWith('stats:')) {
      const kind = d.stats.get(key.slice(6));
      if (!kind) return;
      let ni = 0;
      for (const [name, pts] of kind) {
        // one run: a colour per name; several: the run's colour, its line style telling the runs apart
        const colour = chosen.length > 1 ? run.colour : STAT_COLOURS[ni % STAT_COLOURS.length];
        out.push(line(`${run.id}\u0000${name}`, `${name}${tag}`, colour, pts, { dash: DASHES[ri % DASHES.length] }));
        ni++;
      }
    }
  });
  return out;
}

function drawChart(c) {
  const series = seriesOf(c.key);
  const points = series.reduce((n, s) => n + s.data.length, 0);
  // the legend wraps: the plot starts below its rows (about 7 px a character, 30 px a symbol)
  const width = Math.max(200, c.el.clientWidth - 20);
  const rows = Math.max(1, Math.ceil(series.reduce((w, s) => w + 30 + s.name.length * 7, 0) / width));
  // replaceMerge: series of runs no longer chosen go; the others are updated in place
  c.ec?.setOption({ grid: { top: 14 + 22 * rows }, series }, { replaceMerge: ['series'] });
  c.el.dataset.points = String(points);
  c.el.dataset.series = String(series.length);
  c.el.closest('.chart-box')?.classList.toggle('empty', points === 0);
}

/** The charts made on demand (one per metric, one per stats kind) for the columns the chosen runs have. */
function layoutCharts() {
  const chosen = selected.map((id) => runs.get(id)).filter(Boolean);
  const want = new Map(); // key -> [container id, title]
  for (const run of chosen) {
    for (const name of run.data.metrics.keys()) want.set(`metric:${name}`, name);
    for (const kind of run.data.stats.keys()) want.set(`stats:${kind}`, STAT_TITLES[kind] ?? kind);
  }
  for (const [key, c] of charts) {
    if ((key.startsWith('metric:') || key.startsWith('stats:')) && !want.has(key)) {
      c.ec?.dispose();
      c.el.closest('.chart-box')?.remove();
      charts.delete(key);
    }
  }
  for (const [key, title] of want) {
    if (charts.has(key)) continue;
    const slug = key.replace(/[^A-Za-z0-9_-]/g, '-');
    const box = el('div', {
      id: `chart-${slug}`,
      className: 'chart',
      'data-chart': key,
      'data-points': '0',
      role: 'img',
      'aria-label': `${title} against training step`,
    });
    const fig = el('figure', { className: 'chart-box' }, el('figcaption', { text: title }), box);
    $(key.startsWith('metric:') ? 'metric-charts' : 'stats-charts').append(fig);
    makeChart(key, box);
    dirty.charts.add(key);
  }
}

// ---- rendering, throttled: lines only mark what changed; at most one redraw per RENDER_EVERY_MS
let renderTimer = 0;
let framePending = false;
let lastRender = -Infinity;
function schedule() {
  if (renderTimer || framePending) return;
  const wait = Math.max(0, lastRender + RENDER_EVERY_MS - performance.now());
  renderTimer = setTimeout(() => {
    renderTimer = 0;
    if (document.hidden) return render(); // no frames in a hidden tab: keep the page's state current anyway
    framePending = true;
    requestAnimationFrame(() => {
      framePending = false;
      render();
    });
  }, wait);
}

function render() {
  lastRender = performance.now();
  if (dirty.layout) {
    dirty.layout = false;
    layoutCharts();
  }
  for (const key of dirty.charts) {
    const c = charts.get(key);
    if (c) drawChart(c);
  }
  dirty.charts.clear();
  for (const id of dirty.cards) {
    const run = runs.get(id);
    if (run?.selected) renderCard(run);
  }
  dirty.cards.clear();
  for (const id of dirty.tables) {
    const run = runs.get(id);
    if (run?.selected) renderTables(run);
  }
  dirty.tables.clear();
  for (const id of dirty.images) {
    const run = runs.get(id);
    if (run?.selected) renderImages(run);
  }
  dirty.images.clear();
  if (dirty.list) {
    dirty.list = false;
    renderList();
  }
  $('content').dataset.renders = String(Number($('content').dataset.renders ?? 0) + 1);
}

function allChartsDirty() {
  dirty.layout = true;
  for (const key of charts.keys()) dirty.charts.add(key);
}

// ---- the run cards: progress, time left, the stop action
function progressOf(run) {
  const fit = run.data.fits.at(-1);
  if (!fit) return null;
  const nEpoch = fit.line.nEpoch || fit.batch?.nEpoch || 0;
  const b = fit.batch;
  const done = fit.epochs.length;
  let frac = 0;
  if (fit.end) frac = 1;
  else if (b && nEpoch > 0) frac = Math.min(1, (b.epoch + (b.iter + 1) / b.nIter) / nEpoch);
  else if (nEpoch > 0) frac = done / nEpoch;
  return { fit, nEpoch, batch: b, done, frac };
}

/** Seconds left in the current fit: the mean time of its completed epochs times the epochs to go, less the time
 * spent in the current one; before the first epoch ends, a rough one from the batches (validation not counted). */
function timeLeftOf(run) {
  const p = progressOf(run);
  if (!p) return null;
  if (p.fit.end) return { seconds: 0, rough: false };
  const d = run.data;
  const now = d.lastT + (performance.now() - d.lastAt) / 1000;
  const t0 = p.fit.line.t;
  if (p.done > 0) {
    const lastEnd = p.fit.epochs[p.done - 1].t;
    const per = (lastEnd - t0) / p.done;
    return { seconds: Math.max(0, per * (p.nEpoch - p.done) - (now - lastEnd)), rough: false };
  }
  const b = p.batch;
  if (!b || b.t <= t0) return null;
  const frac = (b.epoch + (b.iter + 1) / b.nIter) / Math.max(1, p.nEpoch);
  return { seconds: Math.max(0, ((b.t - t0) / frac) * (1 - frac) - (now - b.t)), rough: true };
}

function makeCard(run) {
  const f = (role, tag = 'span', attrs = {}) => el(tag, { 'data-role': role, ...attrs });
  const stopButton = el('button', { type: 'button', className: 'stop', 'data-role': 'stop', text: 'Stop after this epoch' });
  stopButton.addEventListener('click', () => askStop(run));
  const card = el(
    'article',
    { className: 'run-card', 'data-run': run.id, 'data-colour': run.colour, 'aria-label': `Run ${run.id}` },
    el(
      'h3',
      {},
      el('span', { className: 'swatch', 'aria-hidden': 'true' }),
      el('span', { className: 'run-name', text: run.id }),
      run.live ? el('span', { className: 'badge live', text: 'live', title: 'Trained by this process' }) : null,
      f('status', 'span', { className: 'status' }),
    ),
    el('progress', { 'data-role': 'progress-bar', max: '1', value: '0', 'aria-label': `Progress of run ${run.id}` }),
    f('progress', 'p', { className: 'progress-text' }),
    el(
      'dl',
      { className: 'facts' },
      el('div', {}, el('dt', { text: 'Elapsed' }), f('elapsed', 'dd')),
      el('div', {}, el('dt', { text: 'Time left' }), f('time-left', 'dd')),
      el('div', {}, el('dt', { text: 'Samples/s' }), f('speed', 'dd')),
    ),
    el(
      'div',
      { className: 'stop-box', 'data-role': 'stop-box', hidden: true },
      stopButton,
      token
        ? null
        : el('p', { className: 'note', 'data-role': 'token-note', text: 'Needs the token: open the address printed at start (…/?token=…).' }),
    ),
    f('stop-answer', 'p', { className: 'stop-answer', role: 'status', 'aria-live': 'polite' }),
    infoDetails(run),
  );
  card.style.setProperty('--run-colour', run.colour);
  return card;
}

function infoDetails(run) {
  const details = el('details', { className: 'info', 'data-role': 'info' }, el('summary', { text: 'Hyper-parameters and environment' }));
  const dl = el('dl');
  for (const obj of [run.info?.hyper, run.info?.env]) {
    for (const [k, v] of Object.entries(obj ?? {})) {
      dl.append(el('div', {}, el('dt', { text: k }), el('dd', { text: typeof v === 'string' ? v : JSON.stringify(v) })));
    }
  }
  if (run.info?.started) dl.append(el('div', {}, el('dt', { text: 'started' }), el('dd', { text: run.info.started })));
  details.append(dl);
  return details;
}

function renderCard(run) {
  const card = run.view.card;
  if (!card) return;
  const q = (role) => card.querySelector(`[data-role="${role}"]`);
  const status = runStatus(run);
  card.dataset.status = status;
  q('status').textContent = status;
  const p = progressOf(run);
  const bar = q('progress-bar');
  const text = q('progress');
  if (p) {
    bar.value = p.frac;
    const b = p.batch;
    const epoch = b ? Math.min(b.epoch + 1, p.nEpoch || b.nEpoch) : p.done;
    text.textContent =
      `epoch ${epoch}/${p.nEpoch}` +
      (b ? ` · batch ${b.iter + 1}/${b.nIter}` : '') +
      (run.data.fits.length > 1 ? ` · fit ${run.data.fits.length}` : '');
    Object.assign(text.dataset, {
      epoch: String(b ? b.epoch : p.done),
      nEpoch: String(p.nEpoch),
      iter: b ? String(b.iter) : '',
      nIter: b ? String(b.nIter) : '',
      epochsDone: String(p.done),
    });
    q('speed').textContent = b && isNum(b.samplesPerSec) ? String(b.samplesPerSec) : '–';
  } else {
    bar.value = 0;
    text.textContent = 'No fit has started yet.';
    q('speed').textContent = '–';
  }
  renderClock(run);
  const canStop = run.live && status === 'running';
  q('stop-box').hidden = !canStop;
}

/** Elapsed time and time left (ticks once a second while the run goes on). */
function renderClock(run) {
  const card = run.view.card;
  if (!card) return;
  const p = progressOf(run);
  const elapsed = card.querySelector('[data-role="elapsed"]');
  const left = card.querySelector('[data-role="time-left"]');
  if (!p) {
    elapsed.textContent = '–';
    left.textContent = '–';
    return;
  }
  const d = run.data;
  const end = p.fit.end ? p.fit.end.t : d.lastT + (isRunning(run) ? (performance.now() - d.lastAt) / 1000 : 0);
  elapsed.textContent = formatTime(end - p.fit.line.t);
  const tl = timeLeftOf(run);
  left.textContent = p.fit.end ? '–' : tl === null ? 'estimating…' : `${tl.rough ? '≈ ' : ''}${formatTime(tl.seconds)}`;
}

async function askStop(run) {
  const card = run.view.card;
  const button = card.querySelector('[data-role="stop"]');
  const answer = card.querySelector('[data-role="stop-answer"]');
  button.disabled = true;
  answer.textContent = 'Asking…';
  delete answer.dataset.status;
  let status = 0;
  let body = null;
  try {
    const r = await fetch(runPath(run.id, 'stop'), { method: 'POST', headers: headers(), cache: 'no-store' });
    status = r.status;
    const text = await r.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch (e) {
    answer.textContent = `Could not reach the server: ${e.message}`;
    answer.dataset.status = 'network';
    button.disabled = false;
    return;
  }
  answer.dataset.status = String(status);
  if (status === 200) {
    answer.textContent = 'Stop asked: the fit ends after this epoch.';
    return;
  }
  const why = typeof body === 'string' ? body : (body?.error ?? body?.message ?? JSON.stringify(body));
  const hints = { 401: ' The token is needed: open the address printed at start (…/?token=…).', 403: ' The token is wrong.' };
  answer.textContent = `Refused (HTTP ${status}): ${why}${hints[status] ?? ''}`;
  button.disabled = false;
}

// ---- the epoch tables: one per fit, rows appended as epochs end
function renderTables(run) {
  const v = run.view;
  if (!v.tables) return;
  const fits = run.data.fits;
  v.tables.empty.hidden = fits.some((f) => f.epochs.length > 0);
  for (let i = 0; i < fits.length; i++) {
    const fit = fits[i];
    let t = v.tables.list[i];
    if (!t) {
      const names = fit.line.names?.length ? fit.line.names : Object.keys(fit.epochs[0]?.row ?? {});
      const tbody = el('tbody');
      const table = el(
        'table',
        { className: 'epoch-table', 'data-run': run.id, 'data-fit': String(fit.line.fit ?? i + 1) },
        el('caption', { text: `${run.id}${fits.length > 1 || fit.line.fit > 1 ? ` · fit ${fit.line.fit ?? i + 1}` : ''}` }),
        el('thead', {}, el('tr', {}, ...names.map((n) => el('th', { scope: 'col', text: n })))),
        tbody,
      );
      v.tables.box.append(el('div', { className: 'table-wrap' }, table));
      t = v.tables.list[i] = { names, tbody, rows: 0 };
    }
    for (; t.rows < fit.epochs.length; t.rows++) {
      const row = fit.epochs[t.rows].row ?? {};
      t.tbody.append(el('tr', {}, ...t.names.map((n, j) => el('td', { text: formatCell(row[n], j) }))));
    }
  }
}

// ---- images: the newest file of each kind, fetched with the token header (object URLs: no stale cache when a
// kind's file is written again under the same name)
function renderImages(run) {
  const v = run.view;
  if (!v.images) return;
  v.images.empty.hidden = run.data.files.size > 0;
  for (const [kind, line] of run.data.files) {
    let fig = v.images.figs.get(kind);
    if (!fig) {
      const img = el('img', { alt: '', loading: 'lazy', decoding: 'async' });
      const cap = el('figcaption');
      fig = { box: el('figure', { className: 'image', 'data-kind': kind }, img, cap), img, cap, line: null, url: null };
      v.images.box.append(fig.box);
      v.images.figs.set(kind, fig);
    }
    if (fig.line === line) continue;
    fig.line = line;
    const when = line.epoch === undefined ? '' : ` after epoch ${line.epoch}`;
    fig.cap.textContent = `${kind}${when} (${line.path})`;
    fig.img.alt = `${kind} of run ${run.id}${when}`;
    fig.box.dataset.path = line.path;
    loadImage(run, fig, line);
  }
}

async function loadImage(run, fig, line) {
  try {
    const r = await fetch(runPath(run.id, `files/${encodeURIComponent(line.path)}`), { headers: headers(), cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const blob = await r.blob();
    if (fig.line !== line) return; // a newer file of this kind came meanwhile
    if (fig.url) URL.revokeObjectURL(fig.url);
    fig.url = URL.createObjectURL(blob);
    fig.img.src = fig.url;
    fig.box.dataset.loaded = 'true';
  } catch (e) {
    fig.cap.textContent = `${line.kind}: cannot load ${line.path} (${e.message})`;
    fig.box.dataset.loaded = 'false';
  }
}

// ---- selecting runs
function nextColour() {
  const used = new Set(selected.map((id) => runs.get(id)?.colour));
  return PALETTE.find((c) => !used.has(c)) ?? PALETTE[selected.length % PALETTE.length];
}

function buildViews(run) {
  dropViews(run);
  const card = makeCard(run);
  const tablesBox = el('section', { className: 'run-epochs', 'data-run': run.id, 'aria-label': `Epochs of run ${run.id}` });
  const tablesEmpty = el('p', { className: 'empty-note', text: `${run.id}: no epoch has ended yet.` });
  tablesBox.append(tablesEmpty);
  const imagesBox = el('section', { className: 'run-images', 'data-run': run.id, 'aria-label': `Images of run ${run.id}` });
  imagesBox.append(el('h3', { text: run.id }));
  const imagesEmpty = el('p', { className: 'empty-note', text: 'No images yet.' });
  imagesBox.append(imagesEmpty);
  for (const [box, parent] of [
    [card, 'run-cards'],
    [tablesBox, 'epoch-tables'],
    [imagesBox, 'images'],
  ]) {
    box.style.setProperty('--run-colour', run.colour);
    insertInOrder($(parent), box, run.id);
  }
  run.view = {
    card,
    tables: { box: tablesBox, empty: tablesEmpty, list: [] },
    images: { box: imagesBox, empty: imagesEmpty, figs: new Map() },
  };
  dirty.cards.add(run.id);
  dirty.tables.add(run.id);
  dirty.images.add(run.id);
}

/** Keeps each section's per-run boxes in selection order. */
function insertInOrder(parent, box, id) {
  const after = selected.slice(selected.indexOf(id) + 1);
  const next = [...parent.children].find((c) => after.includes(c.dataset.run));
  parent.insertBefore(box, next ?? null);
}

function dropViews(run) {
  const v = run.view;
  if (!v) return;
  v.card?.remove();
  v.tables?.box.remove();
  if (v.images) {
    for (const fig of v.images.figs.values()) if (fig.url) URL.revokeObjectURL(fig.url);
    v.images.box.remove();
  }
  run.view = {};
}

async function select(run) {
  if (run.selected) return;
  run.colour = nextColour();
  run.selected = true;
  selected.push(run.id);
  saveSelection();
  renderList();
  await loadRecord(run);
}

function unselect(run) {
  if (!run.selected) return;
  run.selected = false;
  run.gen++;
  closeStream(run);
  selected = selected.filter((id) => id !== run.id);
  dropViews(run);
  saveSelection();
  renderList();
  allChartsDirty();
  schedule();
}

/** (Re)reads the run's whole record, rebuilds its views and follows it from its last line. */
async function loadRecord(run) {
  const gen = ++run.gen;
  closeStream(run);
  let rec;
  try {
    rec = await getJson(runPath(run.id, 'record'));
  } catch (e) {
    if (gen === run.gen) pageMessage(`Cannot read run ${run.id}: ${e.message}`);
    return;
  }
  if (gen !== run.gen || !run.selected) return;
  run.info = rec.info ?? run.info;
  run.lines = Array.isArray(rec.lines) ? rec.lines : [];
  run.data = emptyData();
  for (const line of run.lines) ingest(run, line);
  buildViews(run);
  allChartsDirty();
  schedule();
  follow(run, gen);
}

// ---- live updates: server-sent events from the run's next line on
function follow(run, gen) {
  if (!run.live && run.info && run.info.status !== 'running') return; // a past run: nothing more will come
  const es = new EventSource(withToken(runPath(run.id, `events?from=${run.lines.length}`)));
  run.es = es;
  es.addEventListener('open', () => {
    run.retry = 0;
    connState();
  });
  es.addEventListener('line', (e) => {
    if (gen !== run.gen) return;
    const i = e.lastEventId === '' ? run.lines.length : Number(e.lastEventId);
    if (i < run.lines.length) return; // sent again after a reconnection
    if (i > run.lines.length) return void loadRecord(run); // a gap: read the record again
    let line;
    try {
      line = JSON.parse(e.data);
    } catch {
      return;
    }
    run.lines.push(line);
    ingest(run, line);
    schedule();
  });
  es.addEventListener('info', (e) => {
    if (gen !== run.gen) return;
    try {
      run.info = JSON.parse(e.data);
    } catch {
      return;
    }
    dirty.cards.add(run.id);
    renderList();
    schedule();
  });
  // the server dropped lines for this page (it read too slowly): the record has them all
  es.addEventListener('dropped', () => {
    if (gen === run.gen) loadRecord(run);
  });
  es.addEventListener('error', () => {
    if (gen !== run.gen) return;
    // reconnect ourselves, from the line we are at (EventSource's own retry would start at the first ?from=)
    closeStream(run);
    connState();
    if (!run.selected || (!run.live && !isRunning(run))) return;
    run.retry = Math.min((run.retry ?? 0) + 1, 6);
    setTimeout(
      () => {
        if (gen === run.gen && run.selected && !run.es) follow(run, gen);
      },
      500 * 2 ** run.retry,
    );
  });
}

function closeStream(run) {
  run.es?.close();
  run.es = null;
}

function connState() {
  const open = selected.map((id) => runs.get(id)).filter((r) => r?.es);
  const p = $('conn-status');
  const waiting = selected.map((id) => runs.get(id)).filter((r) => r && !r.es && r.live && isRunning(r));
  if (waiting.length > 0) {
    p.dataset.state = 'retrying';
    p.textContent = 'Reconnecting…';
  } else if (open.length > 0) {
    p.dataset.state = 'live';
    p.textContent = `Following ${open.length} run${open.length > 1 ? 's' : ''} live`;
  } else {
    p.dataset.state = 'idle';
    p.textContent = '';
  }
}

function pageMessage(text) {
  const p = $('page-message');
  p.textContent = text;
  p.hidden = !text;
}

// ---- the run list
function saveSelection() {
  const hash = selected.length ? `#runs=${selected.map(encodeURIComponent).join(',')}` : ' ';
  history.replaceState(null, '', location.pathname + location.search + hash.trim());
}
function hashSelection() {
  const m = /^#runs=(.*)$/.exec(location.hash);
  return m ? m[1].split(',').map((s) => decodeURIComponent(s)) : null;
}

function sortedRuns() {
  return [...runs.values()]
    .filter((r) => r.listed)
    .sort(
      (a, b) =>
        Number(b.live) - Number(a.live) || String(b.info?.started ?? '').localeCompare(String(a.info?.started ?? '')) || b.id.localeCompare(a.id),
    );
}

/** The list keeps one item per run (updated in place, so that keyboard focus stays on its checkbox). */
function listItem(run) {
  if (run.li) return run.li;
  const box = el('input', { type: 'checkbox', value: run.id, 'aria-describedby': `run-meta-${run.key}` });
  box.addEventListener('change', () => (box.checked ? select(run) : unselect(run)));
  const meta = el('span', { className: 'run-meta', id: `run-meta-${run.key}` });
  const li = el(
    'li',
    { 'data-run': run.id },
    el('label', {}, box, el('span', { className: 'swatch', 'aria-hidden': 'true' }), el('span', { className: 'run-id', text: run.id })),
    meta,
  );
  run.li = { li, box, meta };
  return run.li;
}

function renderList() {
  const ul = $('run-list');
  const items = sortedRuns().map((run) => {
    const { li, box, meta } = listItem(run);
    box.checked = run.selected;
    const status = run.selected ? runStatus(run) : (run.info?.status ?? 'unknown');
    li.dataset.live = String(run.live);
    li.dataset.status = status;
    li.classList.toggle('selected', run.selected);
    if (run.selected) li.style.setProperty('--run-colour', run.colour);
    else li.style.removeProperty('--run-colour');
    meta.replaceChildren(
      ...[
        run.live ? el('span', { className: 'badge live', text: 'live', title: 'Trained by the process serving this page' }) : null,
        el('span', { className: 'run-status', text: status }),
        run.info?.started ? el('span', { className: 'run-started', text: new Date(run.info.started).toLocaleString() }) : null,
      ].filter(Boolean),
    );
    return li;
  });
  const same = items.length === ul.children.length && items.every((li, i) => ul.children[i] === li);
  if (!same) ul.replaceChildren(...items);
  $('runs-message').textContent = items.length === 0 && listLoaded ? 'No runs yet.' : '';
}

let runKeys = 0;
async function loadRuns() {
  let body;
  try {
    body = await getJson('/api/runs');
  } catch (e) {
    $('runs-message').textContent = `Cannot list the runs: ${e.message}`;
    return;
  }
  const seen = new Set();
  for (const r of Array.isArray(body?.runs) ? body.runs : []) {
    if (typeof r?.id !== 'string') continue;
    seen.add(r.id);
    let run = runs.get(r.id);
    if (!run) {
      run = {
        id: r.id,
        key: runKeys++,
        live: false,
        info: null,
        lines: [],
        selected: false,
        colour: null,
        data: emptyData(),
        view: {},
        es: null,
        gen: 0,
        li: null,
      };
      runs.set(r.id, run);
    }
    const wasRunning = run.info?.status === 'running';
    run.live = r.live === true;
    run.info = r.info ?? run.info;
    run.listed = true;
    // a past run that started again (another fit of another process): follow it again
    if (run.selected && !run.es && !wasRunning && run.info?.status === 'running') loadRecord(run);
  }
  for (const run of runs.values()) if (!seen.has(run.id)) run.listed = false;
  const first = !listLoaded;
  listLoaded = true;
  renderList();
  if (first) {
    const fromHash = (hashSelection() ?? []).filter((id) => runs.get(id)?.listed);
    const live = sortedRuns().filter((r) => r.live);
    const pick = fromHash.length ? fromHash.map((id) => runs.get(id)) : live.length ? live : sortedRuns().slice(0, 1);
    for (const run of pick) select(run);
  }
}

// ---- start
function start() {
  if (!hasECharts()) pageMessage('The charting library (/assets/echarts.min.js) did not load: charts are not drawn.');
  for (const [key, id] of [
    ['loss', 'chart-loss'],
    ['lr', 'chart-lr'],
    ['mom', 'chart-mom'],
  ])
    makeChart(key, $(id));
  $('refresh-runs').addEventListener('click', () => loadRuns());
  loadRuns();
  setInterval(() => {
    if (!document.hidden) loadRuns();
  }, LIST_EVERY_MS);
  setInterval(() => {
    for (const id of selected) {
      const run = runs.get(id);
      if (run && isRunning(run)) renderClock(run);
    }
  }, 1000);
}
start();
