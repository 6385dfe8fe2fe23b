// callbacks.Dashboard: the live page of a fit, served by the training process (server.ts) from the run record a
// RunLog writes (the Learner's own, or one it adds for the fit). The server starts at the first fit, prints its URL
// once and serves until dashboard.close() (or the process ends), so the page stays readable after training. Its
// stop action ends the fit at the end of the current epoch with a CancelFitException, so checkpoints and afterFit
// run. It adds to the record, at bounded rates: the gradients' norm per parameter group, ActivationStats' per-layer
// mean and std at each epoch's end, and the showResults image grid after each epoch.
import { basename, join, resolve } from 'node:path';
import { Callback } from '../learner/callback.js';
import type { AroundPhase } from '../learner/events.js';
import { CancelFitException } from '../learner/exceptions.js';
import { isMainProcess } from '../learner/rank.js';
import { RunLog } from '../callbacks/run-log.js';
import { ActivationStats, type LayerBatchStats } from '../callbacks/activation-stats.js';
import { readRunRecord } from '../callbacks/run-record.js';
import type { LineWithoutTime } from '../callbacks/run-log.js';
import type { Module } from '../nn/index.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBool, checkInt, checkOptions, checkPath } from '../torch/validate.js';
import { checkHost, DashboardServer } from './server.js';
import { RUN_ID } from './runs-folder.js';

export interface DashboardOptions {
  /** The port (default 0: a free port, printed with the URL). */
  port?: number;
  /** The address to bind (default '127.0.0.1'); another than loopback needs allowRemote. */
  host?: string;
  /** Allow binding a host that is not loopback; every request then needs the token. */
  allowRemote?: boolean;
  /** The folder of run folders: the page lists its runs, and a fit without a RunLog records into a new run folder
   * there (default: <learn.path>/runs, or the folder holding the RunLog's run folder). */
  runsDir?: string;
  /** After each epoch, learn.showResults' image grid into the run folder (images only; default true). */
  showResults?: boolean;
  /** The gradients' L2 norm per parameter group, at most once a second (one host read each; default true). */
  gradNorms?: boolean;
  /** With an ActivationStats attached, each layer's mean and std over the epoch at its end (default true). */
  activations?: boolean;
}

/** The least time between two gradient-norm lines. */
const GRAD_NORMS_EVERY_MS = 1000;

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');

/** A run folder's name as a run id (the URL path segment the page uses). */
function runIdOf(dir: string): string {
  const id = basename(dir)
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 128);
  return RUN_ID.test(id) ? id : 'run';
}

export class Dashboard extends Callback {
  // last: the epoch's row is published (Recorder) and checkpoints taken (trackers) before a stop cancels the fit
  override order = 80;
  override aroundPhases: readonly AroundPhase[] = ['fit'];
  readonly port: number;
  readonly host: string;
  readonly allowRemote: boolean;
  readonly runsDir: string | null;
  readonly showResults: boolean;
  readonly gradNorms: boolean;
  readonly activations: boolean;
  #server: DashboardServer | null = null;
  /** The RunLog this callback adds to fits without one (one run folder for all of them). */
  #ownLog: RunLog | null = null;
  /** Run folder -> its id on the page. */
  #ids = new Map<string, string>();
  // the current fit's
  #run: { id: string; dir: string; base: number; log: RunLog } | null = null;
  #stopAsked = false;
  #lastNorms = -Infinity;
  #statsRead = 0;
  #images: boolean | null = null;

  constructor(options: DashboardOptions = {}) {
    super();
    const fn = 'callbacks.Dashboard';
    const o = checkOptions(fn, options, ['port', 'host', 'allowRemote', 'runsDir', 'showResults', 'gradNorms', 'activations']);
    this.port = o.port === undefined ? 0 : checkInt(fn, 'options.port', o.port, { min: 0, max: 65535 });
    const flag = (k: 'allowRemote' | 'showResults' | 'gradNorms' | 'activations', d: boolean): boolean =>
      o[k] === undefined ? d : checkBool(fn, `options.${k}`, o[k]);
    this.allowRemote = flag('allowRemote', false);
    this.host = checkHost(fn, o.host, this.allowRemote);
    this.runsDir = o.runsDir === undefined ? null : checkPath(fn, 'options.runsDir', o.runsDir);
    this.showResults = flag('showResults', true);
    this.gradNorms = flag('gradNorms', true);
    this.activations = flag('activations', true);
  }

  /** The page's address (token included) while the server runs, else null. */
  get url(): string | null {
    return this.#server?.address?.url ?? null;
  }

  /** Stops the server, ending every connection (a later fit starts it again). */
  async close(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    await s?.close();
  }

  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit' || this.learn.validatingOnly || !isMainProcess()) return next();
    const l = this.learn;
    const attached = l.cbs.find((c): c is RunLog => c instanceof RunLog);
    const log = attached ?? (this.#ownLog ??= new RunLog({ dir: join(this.runsDir ?? join(l.path, 'runs'), stamp()) }));
    if (!attached) l.addCb(log);
    try {
      const dir = resolve(log.runDir);
      const server = await this.#serve(this.runsDir ?? resolve(dir, '..'));
      const id = this.#idFor(dir);
      // the training batches recorded before this fit (the step of this fit's lines starts after them)
      const base = readRunRecord(dir).lines.reduce((m, x) => ('step' in x ? Math.max(m, x.step) : m), 0);
      this.#run = { id, dir, base, log };
      this.#stopAsked = false;
      this.#lastNorms = -Infinity;
      this.#statsRead = 0;
      this.#images = null;
      server.addLiveRun(id, log, dir, () => {
        if (!this.#stopAsked) l.logs.write('Dashboard: stop asked for; the fit ends after this epoch');
        this.#stopAsked = true;
      });
      // an added RunLog wraps the fit inside this callback, so its first line reaches the page
      await (attached ? next() : log.around('fit', next));
    } finally {
      this.#run = null;
      if (!attached) l.removeCb(log);
    }
  }

  async #serve(runsDir: string): Promise<DashboardServer> {
    if (this.#server) return this.#server;
    const server = new DashboardServer();
    const { url } = await server.start({ port: this.port, host: this.host, allowRemote: this.allowRemote, runsDir });
    this.#server = server;
    this.learn.logs.write(`Dashboard: ${url}`);
    return server;
  }

  #idFor(dir: string): string {
    let id = this.#ids.get(dir);
    if (id !== undefined) return id;
    const taken = new Set(this.#ids.values());
    const base = runIdOf(dir);
    id = base;
    for (let i = 2; taken.has(id); i++) id = `${base.slice(0, 120)}-${i}`;
    this.#ids.set(dir, id);
    return id;
  }

  /** Appends a line of this callback's to the run record, which passes it to the page. */
  #append(line: LineWithoutTime): void {
    this.#run?.log.append(line);
  }

  override beforeStep(): void {
    if (!this.gradNorms || !this.#run || performance.now() - this.#lastNorms < GRAD_NORMS_EVERY_MS) return;
    this.#lastNorms = performance.now();
    const groups = this.learn.opt?.paramGroups ?? [];
    const values: Record<string, number> = {};
    torch.tidy(() => {
      const names: string[] = [];
      const norms: Tensor[] = [];
      groups.forEach((g, i) => {
        const grads = g.params.map((p) => p.grad).filter((x): x is Tensor => x !== null);
        if (grads.length === 0) return;
        names.push(`group${i}`);
        norms.push(torch.stack(grads.map((x) => x.float().norm())).norm());
      });
      if (norms.length === 0) return;
      // one host read for all the groups
      const read = torch.stack(norms).toTypedArray() as Float32Array;
      names.forEach((n, i) => {
        if (Number.isFinite(read[i]!)) values[n] = read[i]!;
      });
    });
    const l = this.learn;
    this.#append({ type: 'stats', step: this.#run.base + l.trainIter + 1, epoch: l.epoch, kind: 'gradNorms', values });
  }

  override async afterEpoch(): Promise<void> {
    if (!this.#run) return;
    const l = this.learn;
    const step = this.#run.base + l.trainIter;
    if (this.activations) this.#activationLine(step);
    if (this.showResults && (this.#images ??= await this.#dataAreImages())) {
      const path = `results-epoch-${l.epoch}.svg`;
      await l.showResults({ file: join(this.#run.dir, path) });
      this.#append({ type: 'file', kind: 'results', path, epoch: l.epoch });
    }
    if (this.#stopAsked) {
      this.#stopAsked = false;
      throw new CancelFitException();
    }
  }

  /** ActivationStats' numbers of the batches recorded since the last line: per layer, the mean of their means and
   * of their stds. */
  #activationLine(step: number): void {
    const as = this.learn.cbs.find((c): c is ActivationStats => c instanceof ActivationStats);
    if (!as?.modules) return;
    const all = as.stats;
    const rows = all.slice(this.#statsRead);
    this.#statsRead = all.length;
    if (rows.length === 0) return;
    const names = new Map<Module, string>(this.learn.model.namedModules().map(([n, m]) => [m, n || 'model']));
    const values: Record<string, number> = {};
    as.modules.forEach((m, i) => {
      const per = rows.map((r) => r[i]).filter((s): s is LayerBatchStats => s !== undefined && !Array.isArray(s));
      if (per.length === 0) return;
      const name = names.get(m) ?? String(i);
      const mean = per.reduce((a, s) => a + s.mean, 0) / per.length;
      const std = per.reduce((a, s) => a + s.std, 0) / per.length;
      if (Number.isFinite(mean)) values[`${name}/mean`] = mean;
      if (Number.isFinite(std)) values[`${name}/std`] = std;
    });
    this.#append({ type: 'stats', step, epoch: this.learn.epoch, kind: 'activations', values });
  }

  /** Whether the validation batches' inputs are images [N, C, H, W] (the grid showResults draws). */
  async #dataAreImages(): Promise<boolean> {
    const valid = this.learn.dls.valid;
    if (valid.length === 0) return false;
    const batch = await valid.firstBatch();
    const parts = (Array.isArray(batch) ? batch : [batch]) as Tensor[];
    try {
      return this.learn.dls.nInp === 1 && parts[0]?.ndim === 4;
    } finally {
      torch.dispose(parts);
    }
  }
}
