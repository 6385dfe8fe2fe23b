// The dashboard's HTTP server (node:http, on the event loop the Learner yields to): the page, the runs of a folder
// and of this process, each run's record, its lines pushed as server-sent events, its files, and the one action:
//   GET /, /assets/app.js, /assets/style.css, /assets/echarts.min.js   the page (a fixed list of files, static.ts)
//   GET /api/runs                      { runs: [{ id, live, info }] }
//   GET /api/runs/:id/record           { info, lines }
//   GET /api/runs/:id/events?from=N    text/event-stream: `event: line` (id: the line's index), `event: info` when
//                                      run.json changes, `event: dropped` ({ count }) after a slow client's drops
//   GET /api/runs/:id/files/:name      a file a 'file' line of the record names
//   POST /api/runs/:id/stop            (X-Flint-Token) the live run stops at the end of the current epoch
//
// Safety, since the training runs in this process: every handler is guarded (a bad request gets a 4xx, never an
// exception out of the server); a request names a run by an id looked up among known runs and a file by a name
// looked up among the record's 'file' lines, so no path is built from a request; bodies are bounded; each events
// client has a bounded buffer (sse.ts); the token is compared in constant time; bound to loopback, a Host header
// naming another machine is refused (DNS rebinding), and bound elsewhere every request needs the token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { parseRunLog, readRunInfo, RUN_INFO, RUN_LOG, type RunInfo, type RunLine } from '../callbacks/run-record.js';
import { FlintError } from '../torch/errors.js';
import { checkBool, checkFunction, checkInt, checkOptions, checkPath, checkString, fail } from '../torch/validate.js';
import { newToken, tokenMatches } from './token.js';
import { RUN_ID, runFolders } from './runs-folder.js';
import { SseClient } from './sse.js';
import { STATIC_FILES } from './static.js';

export interface DashboardStartOptions {
  /** The port (default 0: any free port). */
  port?: number;
  /** The address to bind (default '127.0.0.1'); another than loopback needs allowRemote. */
  host?: string;
  /** Allow a host that is not loopback; every request then needs the token. */
  allowRemote?: boolean;
  /** A folder of run folders to serve besides the live runs. */
  runsDir?: string;
  /** The token (default: 32 random bytes in hex). */
  token?: string;
}
export interface DashboardAddress {
  /** The page's address, token included. */
  url: string;
  port: number;
  token: string;
}
/** Where a live run's lines come from as they are written: a callbacks.RunLog. */
export interface RunLineSource {
  listen(f: (line: RunLine) => void): () => void;
}

/** Unsent bytes an events client may hold before its lines are dropped. */
export const CLIENT_BUFFER_LIMIT = 1 << 20;
/** The stop action's body limit. */
const BODY_LIMIT = 1024;
const URL_LIMIT = 4096;
const MAX_EVENT_CLIENTS = 100;
const MAX_CONNECTIONS = 256;
const RECORDS_KEPT = 8;
const PING_MS = 15_000;
const TAIL_MS = 1000;
const FILE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};
const FILE_SIZE_LIMIT = 64 << 20;
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};
// the page loads its own scripts, styles and the run's images only
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'";
// a run's file shown alone (an SVG opened in a tab) runs no script
const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/** A run whose lines go to events clients: a live one (lines pushed from its source) or a folder's (tailed). */
interface Feed {
  dir: string;
  clients: Set<SseClient>;
  /** Lines published so far: the next line's index. */
  count: number;
  /** A live run's: unsubscribes from its source, and the stop action. */
  live: { unlisten: () => void; requestStop: () => void } | null;
  /** A live run between its 'fit' and 'end' lines (the stop action applies). */
  running: boolean;
  /** A folder run's: the bytes of log.jsonl read so far. */
  logBytes: number;
  /** run.json's mtime and size when last sent. */
  infoStamp: string;
  timer: NodeJS.Timeout | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The host to bind (default '127.0.0.1'): one that is not loopback only with allowRemote. */
export function checkHost(fn: string, host: unknown, allowRemote: boolean): string {
  if (host === undefined) return '127.0.0.1';
  if (typeof host !== 'string' || !/^[A-Za-z0-9.:-]{1,253}$/.test(host)) fail(fn, 'options.host', 'a host name or IP address', host);
  if (!isLoopback(host) && !allowRemote) {
    throw new FlintError(
      `${fn}: options.host ${JSON.stringify(host)} is not a loopback address; the page would be reachable from other machines, ` +
        'so binding it needs options.allowRemote: true (every request must then present the token)',
    );
  }
  return host;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The host name of a Host header (without its port). */
function hostOf(header: string): string {
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : (header.split(':')[0] ?? '');
}

/** A run folder's log lines from byte `from` on, up to its last newline (a line being written is left for later), and
 * the byte after that newline. */
function readLog(dir: string, from = 0): { lines: RunLine[]; bytes: number } {
  let buf: Buffer;
  try {
    if (from === 0) buf = readFileSync(join(dir, RUN_LOG));
    else {
      const fd = openSync(join(dir, RUN_LOG), 'r');
      try {
        buf = Buffer.alloc(Math.max(0, fstatSync(fd).size - from));
        buf = buf.subarray(0, readSync(fd, buf, 0, buf.length, from));
      } finally {
        closeSync(fd);
      }
    }
  } catch {
    return { lines: [], bytes: from };
  }
  const end = buf.lastIndexOf(10) + 1;
  return { lines: parseRunLog(buf.subarray(0, end).toString('utf8')), bytes: from + end };
}

function infoStamp(dir: string): string {
  const st = statSync(join(dir, RUN_INFO), { throwIfNoEntry: false });
  return st ? `${st.mtimeMs}:${st.size}` : '';
}

function lastRunning(lines: readonly RunLine[]): boolean {
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.type;
    if (t === 'fit') return true;
    if (t === 'end') return false;
  }
  return false;
}

const lineEvent = (index: number, json: string): string => `id: ${index}\nevent: line\ndata: ${json}\n\n`;
const infoEvent = (info: RunInfo | null): string => `event: info\ndata: ${JSON.stringify(info)}\n\n`;

/**
 * Serves the live dashboard: `await server.start({ port, host, runsDir })` gives its URL (with the token);
 * `addLiveRun(id, runLog, dir, requestStop)` publishes a run of this process as its RunLog writes it;
 * `close()` ends every connection.
 */
export class DashboardServer {
  #server: Server | null = null;
  #sockets = new Set<Socket>();
  #token = '';
  #remote = false;
  #runsDir: string | null = null;
  #address: DashboardAddress | null = null;
  #feeds = new Map<string, Feed>();
  #ping: NodeJS.Timeout | null = null;
  #records = new Map<string, { key: string; body: Buffer }>();

  /** Starts listening; resolves to the page's URL (token included), the port and the token. */
  async start(options: DashboardStartOptions = {}): Promise<DashboardAddress> {
    const fn = 'DashboardServer.start';
    const o = checkOptions(fn, options, ['port', 'host', 'allowRemote', 'runsDir', 'token']);
    const port = o.port === undefined ? 0 : checkInt(fn, 'options.port', o.port, { min: 0, max: 65535 });
    const allowRemote = o.allowRemote === undefined ? false : checkBool(fn, 'options.allowRemote', o.allowRemote);
    const host = checkHost(fn, o.host, allowRemote);
    const runsDir = o.runsDir === undefined ? null : checkPath(fn, 'options.runsDir', o.runsDir);
    const token = o.token === undefined ? newToken() : checkString(fn, 'options.token', o.token);
    if (!/^[A-Za-z0-9._~-]{16,256}$/.test(token)) fail(fn, 'options.token', 'a string of 16 to 256 letters, digits or ._~-', token);
    if (this.#server) throw new FlintError(`${fn}: the server is already listening at ${this.#address!.url}; close() it first`);

    const server = createServer((req, res) => this.#handle(req, res));
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    // requests the HTTP parser refuses (a malformed line, headers too large): answered, never thrown
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    server.maxHeadersCount = 100;
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((res, rej) => {
      server.once('error', (e) => rej(new FlintError(`${fn}: cannot listen on ${host}:${port}: ${e.message}`, { cause: e })));
      server.listen(port, host, () => res());
    });
    server.on('error', () => {});
    this.#server = server;
    this.#token = token;
    this.#remote = !isLoopback(host);
    this.#runsDir = runsDir;
    const bound = (server.address() as { port: number }).port;
    const shown = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
    this.#address = { url: `http://${shown}:${bound}/?token=${token}`, port: bound, token };
    this.#ping = setInterval(() => {
      for (const f of this.#feeds.values()) for (const c of f.clients) c.comment('ping');
    }, PING_MS).unref();
    return this.#address;
  }

  /** The address while listening, else null. */
  get address(): DashboardAddress | null {
    return this.#address;
  }

  /**
   * Publishes a run of this process under `id`: its lines as `source` (a RunLog) writes them into `dir` (its run
   * folder); `requestStop` is called when a page asks to stop it while it fits (between its 'fit' and 'end' lines).
   * Adding an id again (the next fit) replaces its source and sends clients any lines they missed.
   */
  addLiveRun(id: string, source: RunLineSource, dir: string, requestStop: () => void): void {
    const fn = 'DashboardServer.addLiveRun';
    if (typeof id !== 'string' || !RUN_ID.test(id)) fail(fn, 'id', 'a run id (up to 128 letters, digits and ._-, not starting with ._-)', id);
    if (source === null || typeof source !== 'object' || typeof (source as RunLineSource).listen !== 'function') {
      fail(fn, 'source', 'a callbacks.RunLog (an object with a listen method)', source);
    }
    dir = resolve(checkPath(fn, 'dir', dir));
    checkFunction(fn, 'requestStop', requestStop);
    let feed = this.#feeds.get(id);
    feed?.live?.unlisten();
    const { lines } = readLog(dir);
    if (!feed || feed.dir !== dir) {
      if (feed) this.#drop(id, feed);
      feed = { dir, clients: new Set(), count: lines.length, live: null, running: false, logBytes: 0, infoStamp: '', timer: null };
      this.#feeds.set(id, feed);
    } else {
      // lines written while no source was listened to (the next fit's first lines)
      for (const line of lines.slice(feed.count)) this.#publish(feed, line);
    }
    const f = feed;
    f.running = lastRunning(lines);
    f.live = { unlisten: source.listen((line) => this.#publish(f, line)), requestStop };
  }

  /** @internal Per events client: bytes buffered and lines dropped (the tests' view of memory per client). */
  eventClients(): { run: string; buffered: number; dropped: number }[] {
    return [...this.#feeds.entries()].flatMap(([run, f]) => [...f.clients].map((c) => ({ run, buffered: c.buffered, dropped: c.droppedTotal })));
  }

  /** Stops listening and ends every connection (events streams included); live runs are unsubscribed. */
  async close(): Promise<void> {
    for (const [id, f] of this.#feeds) this.#drop(id, f);
    this.#records.clear();
    if (this.#ping) clearInterval(this.#ping);
    this.#ping = null;
    const server = this.#server;
    this.#server = null;
    this.#address = null;
    if (!server) return;
    const closed = new Promise<void>((res) => server.close(() => res()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  #drop(id: string, f: Feed): void {
    f.live?.unlisten();
    if (f.timer) clearInterval(f.timer);
    for (const c of f.clients) c.res.destroy();
    this.#feeds.delete(id);
  }

  #publish(f: Feed, line: RunLine, json = JSON.stringify(line)): void {
    if (line.type === 'fit') f.running = true;
    if (line.type === 'end') f.running = false;
    const text = lineEvent(f.count++, json);
    for (const c of f.clients) c.send(text);
  }

  // ---- requests

  #handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      const r = this.#route(req, res);
      if (r) r.catch((e: unknown) => this.#fail(res, e));
    } catch (e) {
      this.#fail(res, e);
    }
  }

  #fail(res: ServerResponse, e: unknown): void {
    const status = e instanceof HttpError ? e.status : 500;
    const message = e instanceof HttpError ? e.message : 'internal error';
    if (res.headersSent) return void res.destroy();
    // a refused request's body is not read: the connection is not reused
    this.#json(res, status, { error: message }, { Connection: 'close' });
  }

  #send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...headers });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  #json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.#send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
  }

  /** The token a request presents: the X-Flint-Token header, or (for GETs, which EventSource makes) ?token=. */
  #checkToken(req: IncomingMessage, query: URLSearchParams, headerOnly: boolean): void {
    const h = req.headers['x-flint-token'];
    const given = typeof h === 'string' ? h : headerOnly ? null : query.get('token');
    if (given === null || given === '') throw new HttpError(401, 'this needs the token (the X-Flint-Token header)');
    if (!tokenMatches(given, this.#token)) throw new HttpError(403, 'wrong token');
  }

  #route(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
    const url = req.url ?? '';
    if (url.length > URL_LIMIT) throw new HttpError(414, 'URL too long');
    if (!url.startsWith('/')) throw new HttpError(400, 'bad request target');
    if (!this.#remote) {
      const host = req.headers.host;
      if (host !== undefined && !isLoopback(hostOf(host))) throw new HttpError(403, 'this server answers only requests to a loopback name');
    }
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    if (this.#remote) this.#checkToken(req, query, false);
    const method = req.method ?? '';
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) throw new HttpError(413, `request bodies are limited to ${BODY_LIMIT} bytes`);

    const file = STATIC_FILES.get(path);
    if (file) {
      this.#allow(method, ['GET', 'HEAD']);
      return this.#static(res, file[0](), file[1]);
    }
    const seg = path
      .slice(1)
      .split('/')
      .map((s) => {
        let d: string;
        try {
          d = decodeURIComponent(s);
        } catch {
          throw new HttpError(400, 'bad percent-encoding in the path');
        }
        if (d === '.' || d === '..' || /[/\\\0]/.test(d)) throw new HttpError(400, 'bad path segment');
        return d;
      });
    if (seg[0] !== 'api' || seg[1] !== 'runs') throw new HttpError(404, 'not found');
    if (seg.length === 2) {
      this.#allow(method, ['GET', 'HEAD']);
      return void this.#json(res, 200, { runs: this.#list() });
    }
    const id = seg[2]!;
    if (!RUN_ID.test(id)) throw new HttpError(400, 'bad run id');
    const action = seg.slice(3).join('/');
    if (action === 'stop') {
      this.#allow(method, ['POST']);
      this.#checkToken(req, query, true);
      return this.#stop(req, res, id);
    }
    if (action === 'record' || (seg[3] === 'files' && seg.length === 5)) this.#allow(method, ['GET', 'HEAD']);
    else if (action === 'events') this.#allow(method, ['GET']);
    else throw new HttpError(404, 'not found');
    const dir = this.#dirOf(id);
    if (action === 'record') return void this.#send(res, 200, this.#record(dir), 'application/json; charset=utf-8');
    if (action === 'events') return void this.#events(req, res, id, dir, query);
    return this.#file(res, dir, seg[4]!);
  }

  /** /record's body, made once per state of the run's files: pages opened together, or refetching the record at an
   * epoch's end, share it. */
  #record(dir: string): Buffer {
    const log = statSync(join(dir, RUN_LOG), { throwIfNoEntry: false });
    const key = `${log?.size}:${log?.mtimeMs}:${infoStamp(dir)}`;
    const hit = this.#records.get(dir);
    if (hit?.key === key) return hit.body;
    const body = Buffer.from(JSON.stringify({ info: readRunInfo(dir), lines: readLog(dir).lines }));
    this.#records.delete(dir);
    this.#records.set(dir, { key, body });
    // the most recently read runs only
    if (this.#records.size > RECORDS_KEPT) this.#records.delete(this.#records.keys().next().value!);
    return body;
  }

  #allow(method: string, allowed: string[]): void {
    if (!allowed.includes(method)) throw new HttpError(405, `use ${allowed.join(' or ')}`);
  }

  /** The folder of a known run: a live one, or a run folder of runsDir as readdir lists it. */
  #dirOf(id: string): string {
    const f = this.#feeds.get(id);
    if (f?.live) return f.dir;
    if (this.#runsDir !== null && runFolders(this.#runsDir).includes(id)) return resolve(this.#runsDir, id);
    throw new HttpError(404, 'no such run');
  }

  #list(): { id: string; live: boolean; info: RunInfo | null }[] {
    const live = [...this.#feeds.entries()].filter(([, f]) => f.live !== null);
    const liveIds = new Set(live.map(([id]) => id));
    return [
      ...live.map(([id, f]) => ({ id, live: true, info: readRunInfo(f.dir) })),
      ...runFolders(this.#runsDir)
        .filter((id) => !liveIds.has(id))
        .map((id) => ({ id, live: false, info: readRunInfo(join(this.#runsDir!, id)) })),
    ];
  }

  async #static(res: ServerResponse, file: string, type: string): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      throw new HttpError(404, 'the page is not installed');
    }
    this.#send(res, 200, body, type, type.startsWith('text/html') ? { 'Content-Security-Policy': PAGE_CSP } : {});
  }

  /** A file the record lists (a 'file' line's path), inside the run folder and of a known type. */
  async #file(res: ServerResponse, dir: string, name: string): Promise<void> {
    const listed = readLog(dir).lines.some((l) => l.type === 'file' && l.path === name);
    const type = FILE_TYPES[extname(name).toLowerCase()];
    if (!listed || type === undefined) throw new HttpError(404, 'no such file in this run');
    // the record itself is data: a path it names must still resolve (links followed) inside the run folder
    let real: string;
    try {
      real = realpathSync(resolve(dir, name));
      if (!real.startsWith(realpathSync(dir) + sep)) throw new Error('outside');
      const st = statSync(real);
      if (!st.isFile() || st.size > FILE_SIZE_LIMIT) throw new Error('not a file');
    } catch {
      throw new HttpError(404, 'no such file in this run');
    }
    this.#send(res, 200, await readFile(real), type, { 'Content-Security-Policy': FILE_CSP });
  }

  async #stop(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const body = await readBody(req);
    if (body !== '') {
      try {
        JSON.parse(body);
      } catch {
        throw new HttpError(400, 'the body must be empty or JSON');
      }
    }
    const f = this.#feeds.get(id);
    if (!f?.live) {
      if (this.#runsDir !== null && runFolders(this.#runsDir).includes(id)) throw new HttpError(409, 'this run is not training in this process');
      throw new HttpError(404, 'no such run');
    }
    if (!f.running) throw new HttpError(409, 'this run is not training now');
    f.live.requestStop();
    this.#json(res, 200, { ok: true });
  }

  #events(req: IncomingMessage, res: ServerResponse, id: string, dir: string, query: URLSearchParams): void {
    // ?from=N, or the id after the last one an EventSource saw when it reconnects
    const lastId = req.headers['last-event-id'];
    const raw = query.get('from') ?? (typeof lastId === 'string' && /^\d{1,9}$/.test(lastId) ? String(Number(lastId) + 1) : '0');
    if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, 'from: expected a line index (an integer >= 0)');
    const from = Number(raw);
    if ([...this.#feeds.values()].reduce((n, f) => n + f.clients.size, 0) >= MAX_EVENT_CLIENTS) {
      throw new HttpError(503, `too many event streams (at most ${MAX_EVENT_CLIENTS})`);
    }
    let f = this.#feeds.get(id);
    const { lines, bytes } = readLog(dir);
    if (!f) {
      f = { dir, clients: new Set(), count: lines.length, live: null, running: false, logBytes: bytes, infoStamp: '', timer: null };
      this.#feeds.set(id, f);
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const client = new SseClient(res, CLIENT_BUFFER_LIMIT);
    client.send(`retry: 2000\n\n${infoEvent(readRunInfo(dir))}`);
    // the lines so far from the file, then the feed's as they come (one turn of the event loop: none is missed)
    for (let i = from; i < f.count && i < lines.length; i++) client.send(lineEvent(i, JSON.stringify(lines[i])));
    f.infoStamp ||= infoStamp(dir);
    f.clients.add(client);
    const feed = f;
    feed.timer ??= setInterval(() => this.#tail(feed), TAIL_MS).unref();
    res.on('close', () => {
      feed.clients.delete(client);
      if (feed.clients.size > 0) return;
      if (feed.timer) clearInterval(feed.timer);
      feed.timer = null;
      if (!feed.live && this.#feeds.get(id) === feed) this.#feeds.delete(id);
    });
  }

  /** Once a second while clients watch: run.json changed -> `event: info`; a folder run's new log lines. */
  #tail(f: Feed): void {
    try {
      const stamp = infoStamp(f.dir);
      if (stamp !== f.infoStamp) {
        f.infoStamp = stamp;
        const text = infoEvent(readRunInfo(f.dir));
        for (const c of f.clients) c.send(text);
      }
      if (f.live) return;
      const size = statSync(join(f.dir, RUN_LOG), { throwIfNoEntry: false })?.size ?? 0;
      if (size <= f.logBytes) return;
      const { lines, bytes } = readLog(f.dir, f.logBytes);
      f.logBytes = bytes;
      for (const line of lines) this.#publish(f, line);
    } catch {
      // a folder being removed: its clients keep what they have
    }
  }
}

/** A request body of at most BODY_LIMIT bytes (413 beyond, without reading the rest). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res, rej) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (b: Buffer) => {
      n += b.length;
      if (n > BODY_LIMIT) {
        req.removeAllListeners('data');
        req.pause();
        rej(new HttpError(413, `request bodies are limited to ${BODY_LIMIT} bytes`));
      } else parts.push(b);
    });
    req.on('end', () => res(Buffer.concat(parts).toString('utf8')));
    const cut = (): void => rej(new HttpError(400, 'the request body was cut short'));
    req.on('error', cut);
    // a client gone before the end (settles nothing once the body was read)
    req.on('close', cut);
  });
}
