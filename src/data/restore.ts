// The DataLoaders a loaded export predicts with (loadLearner): an application registers, per preprocessing kind,
// how to rebuild its loaders from the exported preprocessing (TabularDataLoaders, which encode new rows); other
// kinds get empty plain loaders carrying the preprocessing.
import * as torch from '../torch/index.js';
import { checkDevice, checkFunction, checkString, fail, isPlainObject, named } from '../torch/validate.js';
import { DataLoaders } from './dataloader.js';
import type { Preprocessing } from './preprocessing.js';

export type LoadersFactory = (prep: Preprocessing, device: string) => DataLoaders;

const factories = new Map<string, LoadersFactory>();

/** Registers how loaders for a preprocessing kind are rebuilt from an export (the last registration wins). */
export function registerLoaders(kind: string, factory: LoadersFactory): void {
  checkString('data.registerLoaders', 'kind', kind);
  checkFunction('data.registerLoaders', 'factory', factory);
  factories.set(kind, factory);
}

/** The loaders for an exported preprocessing: the registered kind's, or empty loaders that carry it. */
export function loadersFor(prep: Preprocessing | null, device: string): DataLoaders {
  const fn = 'data.loadersFor';
  if (prep !== null && (!isPlainObject(prep) || typeof prep.kind !== 'string'))
    fail(fn, 'prep', "an exported preprocessing ({ kind: 'tabular' | 'image' | ... }) or null", prep);
  checkDevice(fn, 'device', device);
  const factory = prep === null ? undefined : factories.get(prep.kind);
  if (factory) return named(fn, () => factory(prep!, device));
  const empty = (): torch.Tensor => torch.zeros([0]);
  const dls = DataLoaders.fromTensors(empty(), empty(), empty(), empty(), { device });
  dls.preprocessing = prep;
  return dls;
}
