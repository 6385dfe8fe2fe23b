// ParamScheduler (order 60, training only): sets optimizer hyper-parameters before each training batch from
// the fraction of training done (pctTrain), and records the values used (recorder.hps).
import { Callback } from '../learner/callback.js';
import type { Recorder } from './recorder.js';
import type { Schedule } from '../schedule/index.js';
import { writeChart } from '../plot/index.js';
import { curvesChart } from '../plot/learner-charts.js';
import { checkArray, checkFunction, checkNumber, checkOptions, checkString, fail } from '../torch/validate.js';

export class ParamScheduler extends Callback {
  override order = 60;
  override runValid = false;
  /** Per hyper-parameter, the last group's value at each training batch. */
  hps: Record<string, number[]> = {};

  readonly scheds: Record<string, Schedule>;
  constructor(scheds: Record<string, Schedule>) {
    super();
    const fn = `callbacks.${new.target.name}`;
    if (scheds === undefined) fail(fn, 'scheds', 'an object of schedules by hyper-parameter name', scheds);
    checkOptions(fn, scheds, undefined, 'scheds');
    for (const [k, f] of Object.entries(scheds)) checkFunction(fn, `scheds.${k}`, f);
    this.scheds = scheds;
  }
  override beforeFit(): void {
    this.hps = Object.fromEntries(Object.keys(this.scheds).map((k) => [k, []]));
  }
  override beforeBatch(): void {
    const pct = Math.min(Math.max(this.learn.pctTrain, 0), 1);
    for (const [name, f] of Object.entries(this.scheds)) this.learn.opt!.setHyper(name, f(pct));
  }
  override afterBatch(): void {
    const hypers = this.learn.opt!.hypers;
    for (const name of Object.keys(this.scheds)) this.hps[name]!.push(hypers[hypers.length - 1]![name]!);
  }
  override afterFit(): void {
    const rec = this.learn.cb<Recorder>('recorder');
    if (rec) rec.hps = this.hps;
  }
}

/** Charts the recorded hyper-parameters against the training iteration (fastai's plot_sched). */
export function plotSched(hps: Record<string, number[]>, file?: string): string {
  const fn = 'callbacks.plotSched';
  if (hps === undefined) fail(fn, 'hps', 'an object of values by hyper-parameter name', hps);
  checkOptions(fn, hps, undefined, 'hps');
  for (const [k, v] of Object.entries(hps))
    checkArray<unknown>(fn, `hps.${k}`, v, 'an array of numbers').forEach((x, i) => checkNumber(fn, `hps.${k}[${i}]`, x));
  if (file !== undefined) checkString(fn, 'file', file);
  // one chart per hyper-parameter, side by side
  const svg = curvesChart(hps, 'iteration');
  if (file) writeChart(svg, file);
  return svg;
}
