// The live dashboard's server (callbacks.Dashboard, dashboard.DashboardServer, `flint dashboard`), over real HTTP on
// 127.0.0.1: the runs listed, the record, the lines pushed as server-sent events while a fit runs, the stop action
// and its token, path traversal, the token off loopback, bounded buffers for a client that never reads, bounded
// bodies and malformed requests (the fit still completes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Callback, type Learner, callbacks, dashboard, nn, torch } from '../src/index.js';
import { CLIENT_BUFFER_LIMIT } from '../src/dashboard/server.js';
import { liveTensors, tinyClassifier } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'flint-dashboard-'));
type RunLine = callbacks.RunLine;
const learner = (cbs: Callback[], path = tmp(), x?: torch.Tensor, valid?: torch.Tensor, model?: nn.Module): Learner =>
  tinyClassifier({ cbs, path, x, valid, model });

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection, its path sent as it is (fetch would normalise `..` and `%2e%2e`). */
function http(port: number, path: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers, agent: false }, (r) => {
      const parts: Buffer[] = [];
      r.on('data', (b: Buffer) => parts.push(b));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(parts).toString('utf8') }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(o.body);
  });
}

/** Raw bytes on a socket; resolves to whatever came back before the server closed it (or after 2 s of silence). */
function raw(port: number, text: string | Buffer): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (b) => {
      got += b.toString('latin1');
    });
    s.setTimeout(2000, () => s.destroy());
    s.on('close', () => res(got));
    s.on('error', () => {});
    s.write(text);
  });
}

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** An EventSource over a raw request: the events parsed as they arrive; `until` waits for one that matches. */
class Sse {
  events: SseEvent[] = [];
  comments = 0;
  #text = '';
  #waiters: { pred: (e: SseEvent) => boolean; res: (e: SseEvent) => void }[] = [];
  status = 0;
  headers: IncomingHttpHeaders = {};
  #req: ReturnType<typeof request> | null = null;
  #res: import('node:http').IncomingMessage | null = null;

  open(port: number, path: string, headers: Record<string, string> = {}): Promise<void> {
    return new Promise((res, rej) => {
      this.#req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (r) => {
        this.#res = r;
        this.status = r.statusCode!;
        this.headers = r.headers;
        r.setEncoding('utf8');
        r.on('data', (s: string) => this.#feed(s));
        r.on('error', () => {});
        res();
      });
      this.#req.on('error', rej);
      this.#req.end();
    });
  }
  #feed(s: string): void {
    this.#text += s;
    let at: number;
    while ((at = this.#text.indexOf('\n\n')) >= 0) {
      const block = this.#text.slice(0, at);
      this.#text = this.#text.slice(at + 2);
      const e: SseEvent = { event: 'message', data: '' };
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        else if (line.startsWith('id: ')) e.id = line.slice(4);
        else if (line.startsWith('event: ')) e.event = line.slice(7);
        else if (line.startsWith('data: ')) {
          e.data = line.slice(6);
          any = true;
        }
      }
      if (!any) continue;
      this.events.push(e);
      const ready = this.#waiters.filter((w) => w.pred(e));
      this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.res(e);
    }
  }
  lines(): RunLine[] {
    return this.events.filter((e) => e.event === 'line').map((e) => JSON.parse(e.data) as RunLine);
  }
  until(pred: (e: SseEvent) => boolean): Promise<SseEvent> {
    const seen = this.events.find(pred);
    return seen ? Promise.resolve(seen) : new Promise((res) => this.#waiters.push({ pred, res }));
  }
  pause(): void {
    this.#res!.pause();
  }
  resume(): void {
    this.#res!.resume();
  }
  close(): void {
    this.#req?.destroy();
  }
}

const portOf = (url: string): number => Number(new URL(url).port);
const tokenOf = (url: string): string => new URL(url).searchParams.get('token')!;

test('a fit with Dashboard: listed live, its lines pushed as they are written, the record equal to the Recorder', async () => {
  const runsDir = tmp();
  const dash = new callbacks.Dashboard({ runsDir });
  const printed: string[] = [];
  const sse = new Sse();
  let listed: { runs: { id: string; live: boolean; info: callbacks.RunInfo | null }[] } | null = null;
  let seenDuringFit: RunLine[] = [];
  // a page opened while the fit runs (the server starts at the fit's start): it connects at the first batch, and by
  // the end of the second epoch has received the first epoch's line, while the fit is still running
  const page = new Callback({
    afterBatch: async (l) => {
      if (l.epoch !== 0 || l.iter !== 0 || !l.training) return;
      const port = portOf(dash.url!);
      listed = JSON.parse((await http(port, '/api/runs')).body);
      await sse.open(port, `/api/runs/${listed!.runs[0]!.id}/events?from=0`);
    },
    afterEpoch: async (l) => {
      if (l.epoch !== 1) return;
      await sse.until((e) => e.event === 'line' && JSON.parse(e.data).type === 'epoch');
      seenDuringFit = sse.lines();
    },
  });
  const l = learner([new callbacks.RunLog({ dir: join(runsDir, 'run-1'), batchEveryMs: 0, charts: false }), dash, page]);
  l.logs.subscribe({ console: true, write: (t) => printed.push(t) });
  await l.noBar(() => l.fit(3, 1e-2));
  try {
    const url = dash.url!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    assert.deepEqual(
      printed.filter((t) => t.includes('Dashboard')),
      [`Dashboard: ${url}`],
    );
    // listed as a live run of this process, running
    assert.equal(listed!.runs.length, 1);
    assert.equal(listed!.runs[0]!.id, 'run-1');
    assert.equal(listed!.runs[0]!.live, true);
    assert.equal(listed!.runs[0]!.info!.status, 'running');
    // pushed while the fit ran: the fit's columns, the first epoch's five batches and its row (and gradient norms)
    assert.deepEqual(
      seenDuringFit
        .filter((x) => x.type !== 'stats')
        .slice(0, 7)
        .map((x) => x.type),
      ['fit', 'batch', 'batch', 'batch', 'batch', 'batch', 'epoch'],
    );
    // the record: every line, equal to the file's, its epoch rows the Recorder's values
    const port = portOf(url);
    const rec = JSON.parse((await http(port, '/api/runs/run-1/record')).body) as { info: callbacks.RunInfo; lines: RunLine[] };
    assert.equal(rec.info.status, 'completed');
    assert.deepEqual(rec.lines, callbacks.readRunRecord(join(runsDir, 'run-1')).lines);
    const rows = rec.lines.filter((x): x is callbacks.EpochLine => x.type === 'epoch').map((e) => e.row);
    assert.deepEqual(
      rows.map((r) => [r.train_loss, r.valid_loss, r.accuracy]),
      l.recorder!.values,
    );
    // the stream carried the same lines, numbered from 0 (gradient norms at most once a second among them)
    await sse.until((e) => e.event === 'line' && JSON.parse(e.data).type === 'end');
    const streamed = sse.events.filter((e) => e.event === 'line');
    assert.deepEqual(
      streamed.map((e) => Number(e.id)),
      rec.lines.map((_, i) => i),
    );
    assert.deepEqual(sse.lines(), rec.lines);
    assert.ok(rec.lines.some((x) => x.type === 'stats' && x.kind === 'gradNorms' && typeof x.values.group0 === 'number'));
    assert.equal(sse.events[0]!.event, 'info');
    // reconnecting from a line on gives the lines from there
    const again = new Sse();
    await again.open(port, '/api/runs/run-1/events?from=5');
    await again.until((e) => e.event === 'line' && JSON.parse(e.data).type === 'end');
    assert.deepEqual(again.lines(), rec.lines.slice(5));
    again.close();
    // the echarts bundle is served from the package's dependency
    const js = await http(port, '/assets/echarts.min.js');
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type']!, /javascript/);
    assert.ok(js.body.length > 100_000);
    // another fit (the optimizer's state exists now): the dashboard's numbers keep no tensors
    const before = liveTensors();
    await l.noBar(() => l.fit(1));
    assert.equal(liveTensors(), before);
  } finally {
    sse.close();
    await dash.close();
  }
  assert.equal(dash.url, null);
});

test('the stop action: refused without the token (401) or with a wrong one (403); with it the fit ends after the epoch, cancelled', async () => {
  const runsDir = tmp();
  const dash = new callbacks.Dashboard({ runsDir, gradNorms: false });
  const replies: Record<string, number> = {};
  let afterFitRan = false;
  const clicker = new Callback({
    afterBatch: async (l) => {
      if (l.epoch !== 1 || l.iter !== 1 || !l.training) return;
      const port = portOf(dash.url!);
      const token = tokenOf(dash.url!);
      const id = (JSON.parse((await http(port, '/api/runs')).body) as { runs: { id: string }[] }).runs[0]!.id;
      const stop = (headers: Record<string, string> = {}, body?: string): Promise<number> =>
        http(port, `/api/runs/${id}/stop`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) }).then((r) => r.status);
      replies.none = await stop();
      replies.wrong = await stop({ 'X-Flint-Token': 'f'.repeat(64) });
      replies.query = (await http(port, `/api/runs/${id}/stop?token=${token}`, { method: 'POST' })).status;
      replies.big = await stop({ 'X-Flint-Token': token, 'Content-Type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(2000) }));
      replies.badJson = await stop({ 'X-Flint-Token': token }, '{not json');
      replies.unknown = (await http(port, '/api/runs/no-such-run/stop', { method: 'POST', headers: { 'X-Flint-Token': token } })).status;
      replies.get = (await http(port, `/api/runs/${id}/stop`, { headers: { 'X-Flint-Token': token } })).status;
      replies.ok = await stop({ 'X-Flint-Token': token }, '{}');
    },
    afterFit: () => {
      afterFitRan = true;
    },
  });
  const l = learner([dash, clicker]);
  await l.noBar(() => l.fit(5));
  try {
    assert.deepEqual(replies, { none: 401, wrong: 403, query: 401, big: 413, badJson: 400, unknown: 404, get: 405, ok: 200 });
    assert.ok(afterFitRan);
    // the Dashboard recorded the fit into a new run folder of runsDir (no RunLog was attached), then removed its RunLog
    assert.ok(!l.cbs.some((c) => c instanceof callbacks.RunLog));
    const { readdirSync } = await import('node:fs');
    const [folder] = readdirSync(runsDir);
    const r = callbacks.readRunRecord(join(runsDir, folder!));
    assert.equal(r.info!.status, 'cancelled');
    // epochs 0 and 1 were recorded: the stop came during epoch 1, which ended first
    assert.equal(r.lines.filter((x) => x.type === 'epoch').length, 2);
    assert.equal(l.recorder!.values.length, 2);
    assert.deepEqual(r.lines.at(-1), { ...r.lines.at(-1), type: 'end', status: 'cancelled' });
    // no fit running: a stop now is a conflict
    const port = portOf(dash.url!);
    const after = await http(port, `/api/runs/${folder}/stop`, { method: 'POST', headers: { 'X-Flint-Token': tokenOf(dash.url!) } });
    assert.equal(after.status, 409);
    // a second fit of the same learner goes on in the same run folder, live again, and can be stopped again
    let second = 0;
    const again = new Callback({
      afterBatch: async (ll) => {
        if (ll.epoch === 0 && ll.iter === 0 && ll.training) {
          second = (await http(port, `/api/runs/${folder}/stop`, { method: 'POST', headers: { 'X-Flint-Token': tokenOf(dash.url!) } })).status;
        }
      },
    });
    await l.noBar(() => l.fit(3, undefined, { cbs: [again] }));
    assert.equal(second, 200);
    assert.equal(l.recorder!.values.length, 1);
    const r2 = callbacks.readRunRecord(join(runsDir, folder!));
    assert.equal(r2.info!.fits, 2);
    assert.equal(r2.info!.status, 'cancelled');
  } finally {
    await dash.close();
  }
});

test('no path outside the runs folder is ever served: traversal attempts get 400/404/414/431', async () => {
  const root = tmp();
  const runsDir = join(root, 'runs');
  mkdirSync(runsDir);
  const SECRET = 'TOP-SECRET-7f3a9c';
  writeFileSync(join(root, 'secret.txt'), SECRET);
  writeFileSync(join(root, 'secret.svg'), `<svg>${SECRET}</svg>`);
  // a finished run, its record then tampered with: file lines naming paths outside, and a link leading outside
  const dir = join(runsDir, 'r1');
  const l = learner([new callbacks.RunLog({ dir })]);
  await l.noBar(() => l.fit(1));
  symlinkSync(join(root, 'secret.svg'), join(dir, 'link.svg'));
  symlinkSync(root, join(runsDir, 'linked-run'));
  for (const path of ['../secret.svg', '../../secret.svg', join(root, 'secret.svg'), 'link.svg', '..\\secret.svg', '%2e%2e/secret.svg']) {
    appendFileSync(join(dir, 'log.jsonl'), `${JSON.stringify({ type: 'file', t: 0, kind: 'x', path })}\n`);
  }
  const server = new dashboard.DashboardServer();
  const { port } = await server.start({ runsDir });
  try {
    const ok = await http(port, '/api/runs/r1/files/loss.svg');
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^<svg/);
    assert.equal(ok.headers['content-type'], 'image/svg+xml');
    assert.match(String(ok.headers['content-security-policy']), /sandbox/);
    // the listing: the run folder only (a link to a folder is not a run)
    const runs = JSON.parse((await http(port, '/api/runs')).body) as { runs: { id: string; live: boolean }[] };
    assert.deepEqual(
      runs.runs.map((r) => [r.id, r.live]),
      [['r1', false]],
    );
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/api/runs/../../secret.txt',
      '/api/runs/%2e%2e/record',
      '/api/runs/%2E%2E/files/secret.txt',
      '/api/runs/..%2f..%2fsecret.txt/record',
      '/api/runs/r1%2f..%2f..%2f/record',
      '/api/runs/linked-run/record',
      '/api/runs/linked-run/files/secret.txt',
      '/api/runs/r1/files/..%2fsecret.svg',
      '/api/runs/r1/files/..%2f..%2fsecret.svg',
      '/api/runs/r1/files/%2e%2e%2fsecret.svg',
      '/api/runs/r1/files/..%5csecret.svg',
      '/api/runs/r1/files/%252e%252e%252fsecret.svg',
      '/api/runs/r1/files/../secret.svg',
      '/api/runs/r1/files/../../secret.svg',
      `/api/runs/r1/files/${encodeURIComponent(join(root, 'secret.svg'))}`,
      `/api/runs/r1/files/${join(root, 'secret.svg')}`,
      '/api/runs/r1/files//etc/passwd',
      '/api/runs/r1/files/%2Fetc%2Fpasswd',
      '/api/runs/r1/files/link.svg',
      '/api/runs/r1/files/secret.svg%00.svg',
      '/api/runs/r1%00/record',
      '/api/runs/r1/files/%00',
      '/api/runs/r1/files/%E0%A4%A',
      '/api/runs/.hidden/record',
      `/api/runs/${'a'.repeat(200)}/record`,
      `/api/runs/r1/files/${'..%2f'.repeat(2000)}secret.svg`,
      `/${'x'.repeat(20_000)}`,
      '/api/runs/r1/record/extra',
      '/api/runs//record',
      '/api/runs/r1/events?from=-1',
      '/api/runs/r1/events?from=abc',
    ];
    for (const path of attempts) {
      const r = await http(port, path);
      assert.ok([400, 404, 414, 431].includes(r.status), `${path.slice(0, 80)}: ${r.status}`);
      assert.ok(!r.body.includes(SECRET), path.slice(0, 80));
    }
    // an absolute-form request target, and a raw request with a NUL in its path
    for (const text of [
      `GET http://127.0.0.1:${port}/../secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      'GET /api/runs/r1/files/\0../secret.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    ]) {
      const got = await raw(port, text);
      assert.match(got, /^HTTP\/1\.1 4\d\d/);
      assert.ok(!got.includes(SECRET));
    }
    // a Host naming another machine (DNS rebinding) is refused on loopback
    assert.equal((await http(port, '/api/runs', { headers: { Host: 'evil.example:80' } })).status, 403);
    assert.equal((await http(port, '/api/runs', { headers: { Host: 'localhost:9999' } })).status, 200);
    assert.equal((await http(port, '/api/runs', { method: 'DELETE' })).status, 405);
  } finally {
    await server.close();
  }
});

test('off loopback: refused without allowRemote; with it (bound to 0.0.0.0) every request needs the token', async () => {
  assert.throws(() => new callbacks.Dashboard({ host: '0.0.0.0' }), /callbacks\.Dashboard: .*not a loopback address.*allowRemote/);
  const server = new dashboard.DashboardServer();
  await assert.rejects(server.start({ host: '0.0.0.0' }), /DashboardServer\.start: .*allowRemote/);
  await assert.rejects(server.start({ host: '192.168.1.1', allowRemote: false }), /allowRemote/);
  const runsDir = tmp();
  const { port, token, url } = await server.start({ host: '0.0.0.0', allowRemote: true, runsDir, token: 'a-chosen-token-0123456789' });
  try {
    assert.equal(token, 'a-chosen-token-0123456789');
    assert.match(url, /\?token=a-chosen-token-0123456789$/);
    assert.equal((await http(port, '/api/runs')).status, 401);
    assert.equal((await http(port, '/assets/echarts.min.js')).status, 401);
    assert.equal((await http(port, '/api/runs', { headers: { 'X-Flint-Token': 'a-chosen-token-0123456780' } })).status, 403);
    assert.equal((await http(port, '/api/runs?token=nope')).status, 403);
    const ok = await http(port, '/api/runs', { headers: { 'X-Flint-Token': token } });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { runs: [] });
    assert.equal((await http(port, `/api/runs?token=${token}`)).status, 200);
    // any Host is fine off loopback (the token guards it)
    assert.equal((await http(port, `/api/runs?token=${token}`, { headers: { Host: 'my-server:8080' } })).status, 200);
  } finally {
    await server.close();
  }
});

test('a client that never reads: its buffer stays bounded, the lines it missed are counted and reported once it drains', async () => {
  const dir = tmp();
  const listeners = new Set<(line: RunLine) => void>();
  const source = {
    listen: (f: (line: RunLine) => void) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
  };
  const server = new dashboard.DashboardServer();
  server.addLiveRun('slow-run', source, dir, () => {});
  const { port } = await server.start();
  const slow = new Sse();
  const fast = new Sse();
  try {
    await slow.open(port, '/api/runs/slow-run/events');
    await fast.open(port, '/api/runs/slow-run/events');
    slow.pause();
    // 40 MB of lines (10 KB each), far more than the socket buffers take; the event loop turns as in a fit
    const big = 'x'.repeat(10_000);
    const N = 4000;
    let maxBuffered = 0;
    for (let i = 0; i < N; i++) {
      const line: RunLine = { type: 'file', t: i, kind: big, path: `f${i}.svg` };
      for (const f of listeners) f(line);
      if (i % 20 === 19) {
        for (const c of server.eventClients()) maxBuffered = Math.max(maxBuffered, c.buffered);
        await new Promise((r) => setImmediate(r));
      }
    }
    const clients = server.eventClients();
    assert.equal(clients.length, 2);
    // bounded: the limit plus at most one event over it
    assert.ok(maxBuffered <= CLIENT_BUFFER_LIMIT + 11_000, `buffered ${maxBuffered}`);
    const dropped = Math.max(...clients.map((c) => c.dropped));
    assert.ok(dropped > 0, 'lines were dropped for the client that does not read');
    // the reading client got every line
    await fast.until((e) => e.event === 'line' && JSON.parse(e.data).t === N - 1);
    assert.equal(fast.lines().length, N);
    assert.ok(!fast.events.some((e) => e.event === 'dropped'));
    // once it reads, the slow one gets what was buffered, then the count of what it missed
    slow.resume();
    const note = await slow.until((e) => e.event === 'dropped');
    assert.deepEqual(JSON.parse(note.data), { count: dropped });
    assert.equal(slow.lines().length + dropped, N);
  } finally {
    slow.close();
    fast.close();
    await server.close();
  }
});

test('bad requests during a fit get 4xx answers and the fit completes', async () => {
  const runsDir = tmp();
  const dash = new callbacks.Dashboard({ runsDir });
  const answers: string[] = [];
  let statuses: number[] = [];
  const attacker = new Callback({
    afterBatch: async (l) => {
      if (l.epoch !== 0 || l.iter !== 2 || !l.training) return;
      const port = portOf(dash.url!);
      const token = tokenOf(dash.url!);
      const run = (JSON.parse((await http(port, '/api/runs')).body) as { runs: { id: string }[] }).runs[0]!.id;
      for (const text of [
        'GARBAGE\r\n\r\n',
        'GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
        'GET /api/runs HTTP/1.1\r\nBad Header Line\r\n\r\n',
        `GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
        'GET /api/runs HTTP/9.9\r\n\r\n',
        Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a, 0x0d, 0x0a]),
        // a chunked body over the limit, without a Content-Length
        `POST /api/runs/${run}/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flint-Token: ${token}\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'z'.repeat(2048)}\r\n0\r\n\r\n`,
        // a declared body over the limit
        `POST /api/runs/${run}/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flint-Token: ${token}\r\nContent-Length: 100000\r\n\r\n${'z'.repeat(100)}`,
        // a body cut short
        `POST /api/runs/${run}/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flint-Token: ${token}\r\nContent-Length: 500\r\n\r\n{"a":`,
      ]) {
        answers.push((await raw(port, text)).split('\r\n')[0]!);
      }
      statuses = [
        (await http(port, '/api/runs', { body: 'q'.repeat(5000), headers: { 'Content-Length': '5000' } })).status,
        (await http(port, `/api/runs/${run}/events?from=x`)).status,
        (await http(port, `/api/runs/${run}/nothing`)).status,
        (await http(port, '/api/runs', { method: 'POST' })).status,
      ];
    },
  });
  const l = learner([dash, attacker]);
  try {
    await l.noBar(() => l.fit(2));
    assert.equal(l.recorder!.values.length, 2, 'the fit completed');
    assert.deepEqual(statuses, [413, 400, 404, 405]);
    for (const a of answers.slice(0, 8)) assert.match(a, /^HTTP\/1\.1 4\d\d /);
    // the body cut short: the client gave up (no answer) or was told 400; never a crash
    assert.ok(answers[8] === '' || /^HTTP\/1\.1 4\d\d /.test(answers[8]!), answers[8]);
    const port = portOf(dash.url!);
    assert.equal((await http(port, '/api/runs')).status, 200, 'the server still answers');
  } finally {
    await dash.close();
  }
});

test('Dashboard adds ActivationStats numbers, gradient norms and the showResults image grid to the record', async () => {
  const runsDir = tmp();
  const dash = new callbacks.Dashboard({ runsDir });
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(2 * 6 * 6, 2));
  const l = learner([dash, new callbacks.ActivationStats()], tmp(), torch.rand([24, 1, 6, 6]), torch.rand([8, 1, 6, 6]), model);
  await l.noBar(() => l.fit(2));
  try {
    const port = portOf(dash.url!);
    const id = (JSON.parse((await http(port, '/api/runs')).body) as { runs: { id: string }[] }).runs[0]!.id;
    const rec = JSON.parse((await http(port, `/api/runs/${id}/record`)).body) as { lines: RunLine[] };
    const stats = rec.lines.filter((x): x is callbacks.StatsLine => x.type === 'stats');
    const acts = stats.filter((s) => s.kind === 'activations');
    assert.deepEqual(
      acts.map((s) => [s.epoch, s.step]),
      [
        [0, 3],
        [1, 6],
      ],
    );
    // each layer's mean and std over the epoch's batches, as ActivationStats recorded them
    const as = l.cb(callbacks.ActivationStats)!;
    const [means0] = as.layerStats(0);
    const mean0 = means0!.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    assert.deepEqual(Object.keys(acts[0]!.values).sort(), ['0/mean', '0/std', '3/mean', '3/std']);
    assert.ok(Math.abs(acts[0]!.values['0/mean']! - mean0) < 1e-6);
    const norms = stats.filter((s) => s.kind === 'gradNorms');
    assert.ok(norms.length >= 1 && norms[0]!.step === 1 && norms[0]!.values.group0! > 0);
    // the image grid after each epoch, listed and served
    const files = rec.lines.filter((x): x is callbacks.FileLine => x.type === 'file' && x.kind === 'results');
    assert.deepEqual(
      files.map((f) => [f.path, f.epoch]),
      [
        ['results-epoch-0.svg', 0],
        ['results-epoch-1.svg', 1],
      ],
    );
    const svg = await http(port, `/api/runs/${id}/files/results-epoch-1.svg`);
    assert.equal(svg.status, 200);
    assert.match(svg.body, /Actual \/ Predicted/);
  } finally {
    await dash.close();
  }
});

test('`flint dashboard` serves a runs folder until it is signalled', async () => {
  const runsDir = tmp();
  const l = learner([new callbacks.RunLog({ dir: join(runsDir, 'first'), charts: false })]);
  await l.noBar(() => l.fit(1));
  const bin = fileURLToPath(new URL('../../bin/flint.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'dashboard', runsDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => {
    err += b;
  });
  const url = await new Promise<string>((res, rej) => {
    child.stdout.on('data', (b) => {
      out += b;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (code) => rej(new Error(`flint dashboard exited (${code}): ${out}${err}`)));
  });
  try {
    const runs = JSON.parse((await http(portOf(url), '/api/runs')).body) as { runs: { id: string; live: boolean; info: callbacks.RunInfo }[] };
    assert.deepEqual(
      runs.runs.map((r) => [r.id, r.live, r.info.status]),
      [['first', false, 'completed']],
    );
    const rec = JSON.parse((await http(portOf(url), '/api/runs/first/record')).body) as { lines: RunLine[] };
    assert.deepEqual(rec.lines, callbacks.readRunRecord(join(runsDir, 'first')).lines);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise((res) => child.once('exit', (c) => res(c)));
  assert.equal(code, 0, err);
  assert.ok(existsSync(runsDir));
  assert.ok(!readFileSync(join(runsDir, 'first', 'log.jsonl'), 'utf8').includes('stats'));
});

test('a run of another writer is tailed from its log.jsonl: its new lines come through, numbered on, and run.json changes', async () => {
  const runsDir = tmp();
  const dir = join(runsDir, 'other');
  const l = learner([new callbacks.RunLog({ dir, charts: false })]);
  await l.noBar(() => l.fit(1));
  const server = new dashboard.DashboardServer();
  const { port } = await server.start({ runsDir });
  const sse = new Sse();
  try {
    const n = callbacks.readRunRecord(dir).lines.length;
    await sse.open(port, '/api/runs/other/events?from=0');
    await sse.until((e) => e.id === String(n - 1));
    // another writer (this RunLog is not the server's) appends a second fit: the lines come through the tail
    await l.noBar(() => l.fit(1));
    const all = callbacks.readRunRecord(dir).lines;
    await sse.until((e) => e.id === String(all.length - 1));
    assert.deepEqual(sse.lines(), all);
    const info = await sse.until((e) => e.event === 'info' && JSON.parse(e.data).fits === 2);
    assert.equal(JSON.parse(info.data).status, 'completed');
    // not live: no stop
    assert.equal((await http(port, '/api/runs/other/stop', { method: 'POST', headers: { 'X-Flint-Token': server.address!.token } })).status, 409);
  } finally {
    sse.close();
    await server.close();
  }
});

test('Dashboard and DashboardServer options are checked', async () => {
  assert.throws(() => new callbacks.Dashboard({ port: -1 }), /callbacks\.Dashboard: expected an integer >= 0 and <= 65535 for options\.port, got -1/);
  assert.throws(() => new callbacks.Dashboard({ port: 1.5 }), /options\.port/);
  assert.throws(
    () => new callbacks.Dashboard({ host: 3 as never }),
    /callbacks\.Dashboard: expected a host name or IP address for options\.host, got 3/,
  );
  assert.throws(() => new callbacks.Dashboard({ allowRemote: 'yes' as never }), /callbacks\.Dashboard: expected a boolean for options\.allowRemote/);
  assert.throws(() => new callbacks.Dashboard({ runsDir: '' }), /callbacks\.Dashboard: .*options\.runsDir/);
  assert.throws(() => new callbacks.Dashboard({ showResults: 1 as never }), /options\.showResults/);
  assert.throws(() => new callbacks.Dashboard({ prot: 1 } as never), /callbacks\.Dashboard: .*options\.prot/);
  const s = new dashboard.DashboardServer();
  await assert.rejects(s.start({ port: 70000 }), /DashboardServer\.start: expected an integer >= 0 and <= 65535 for options\.port/);
  await assert.rejects(s.start({ token: 'short' }), /DashboardServer\.start: expected a string of 16 to 256 .* for options\.token/);
  await assert.rejects(s.start({ host: 'a b' }), /options\.host/);
  assert.throws(() => s.addLiveRun('../x', { listen: () => () => {} }, tmp(), () => {}), /DashboardServer\.addLiveRun: expected a run id/);
  assert.throws(() => s.addLiveRun('x', {} as never, tmp(), () => {}), /DashboardServer\.addLiveRun: .*source/);
  // the port in use: a clear error
  const a = new dashboard.DashboardServer();
  const { port } = await a.start();
  try {
    await assert.rejects(new dashboard.DashboardServer().start({ port }), /DashboardServer\.start: cannot listen on 127\.0\.0\.1:\d+/);
    await assert.rejects(a.start(), /already listening/);
  } finally {
    await a.close();
  }
});
