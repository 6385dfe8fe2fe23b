// Misuse cases for the tabular and collab applications: TabularDataLoaders from rows and columns, the procs,
// contCatSplit, getEmbSz, tabularLearner, CollabDataLoaders and collabLearner.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collab, collabLearner, type data, tabular, tabularLearner } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

type Any = any; // poisoned arguments reach typed signatures unchecked: that is the point

const BAD_OPTS: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'array', 'function'];
const BAD_COUNT: HostileName[] = ['null', 'NaN', 'Infinity', 'negative', 'zero', 'fractional', 'string', 'symbol', 'object', 'array'];
const BAD_PROB: HostileName[] = ['null', 'NaN', 'negative', 'huge', 'string', 'object'];
const BAD_FLAG: HostileName[] = ['null', 'NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'];
const BAD_NAMES: HostileName[] = ['null', 'zero', 'string', 'object', 'array'];
const BAD_RANGE: HostileName[] = ['NaN', 'zero', 'string', 'object', 'array', 'function'];

const rows = (): Record<string, unknown>[] =>
  [
    [30, 'Paris', 1.5, 'yes'],
    [40, 'Oslo', 2.5, 'no'],
    [25, 'Paris', -1, 'yes'],
    [35, 'Rome', 0, 'no'],
    [50, 'Oslo', 3, 'yes'],
    [45, 'Rome', 1, 'no'],
  ].map(([age, city, score, label]) => ({ age, city, score, label }));
const columns = (): Record<string, unknown[]> => ({ age: [30, 40, 25, 35], city: ['a', 'b', 'a', 'b'], y: [1.5, 2, 0.5, 3] });
const ratingRows = (): Record<string, unknown>[] =>
  Array.from({ length: 12 }, (_, i) => ({ user: `u${i % 4}`, movie: `m${i % 3}`, rating: 1 + (i % 5) }));
const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-tabular-'));
const ratingsCsv = join(dir, 'ratings.csv');
writeFileSync(
  ratingsCsv,
  `user,movie,rating\n${ratingRows()
    .map((r) => `${r.user},${r.movie},${r.rating}`)
    .join('\n')}\n`,
);

/** The tensors loaders hold (returned so the leak check sees them freed). */
const held = (dls: data.DataLoaders): unknown => [
  (dls.train.dataset as data.TensorDataset).tensors,
  (dls.valid.dataset as data.TensorDataset).tensors,
];
const options = { yNames: 'label', catNames: ['city'], contNames: ['age', 'score'], validIdx: [4, 5], batchSize: 2, log: false as const };
// loaders made once (outside the calls' leak check) for the learners
const tabularDls = tabular.TabularDataLoaders.fromRows(rows() as Any, options);
const collabDls = collab.CollabDataLoaders.fromRows(ratingRows() as Any, { validPct: 0.25, batchSize: 4 });

export const cases: Case[] = [
  {
    name: 'tabular.TabularDataLoaders',
    word: 'TabularDataLoaders',
    args: () => [rows(), { ...options, procs: [tabular.Categorify, new tabular.FillMissing(), tabular.Normalize], maxCard: 20, seed: 1 }],
    call: (r, o) => held(tabular.TabularDataLoaders.fromRows(r as Any, o as Any)),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function'],
      1: BAD_OPTS,
      '1.yNames': ['null', 'zero', 'string', 'object', 'array'],
      '1.catNames': BAD_NAMES,
      '1.contNames': BAD_NAMES,
      '1.procs': ['null', 'zero', 'string', 'object', 'function'],
      '1.validIdx': ['null', 'zero', 'string', 'object'],
      '1.maxCard': ['null', 'NaN', 'negative', 'fractional', 'string'],
      '1.seed': ['NaN', 'negative', 'fractional', 'string'],
      '1.batchSize': BAD_COUNT,
    },
  },
  {
    name: 'TabularDataLoaders.fromColumns',
    args: () => [columns(), { yNames: 'y', catNames: ['city'], contNames: ['age'], validIdx: [3], batchSize: 2, log: false }],
    call: (c, o) => held(tabular.TabularDataLoaders.fromColumns(c as Any, o as Any)),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function'],
      1: BAD_OPTS,
      '1.yNames': ['null', 'zero', 'string', 'object', 'array'],
      '1.validIdx': ['null', 'zero', 'string', 'object'],
      '1.yBlock': ['null', 'zero', 'string', 'object'],
    },
  },
  {
    name: 'tabular.FillMissing',
    word: 'FillMissing',
    args: () => [{ fillStrategy: 'mode', addCol: true, fillVals: { age: 0 } }],
    call: (o) => new tabular.FillMissing(o as Any),
    mustReject: {
      0: BAD_OPTS,
      '0.fillStrategy': ['null', 'NaN', 'zero', 'string', 'object'],
      '0.addCol': BAD_FLAG,
      '0.fillVals': ['NaN', 'zero', 'string'],
    },
  },
  {
    name: 'tabular.contCatSplit',
    args: () => [rows(), { maxCard: 3, depVar: 'label', ignore: [] }],
    call: (s, o) => tabular.contCatSplit(s, o as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function'],
      1: BAD_OPTS,
      '1.maxCard': ['null', 'NaN', 'negative', 'fractional', 'string'],
      '1.depVar': ['null', 'zero', 'string', 'object'],
      '1.ignore': ['null', 'zero', 'string', 'object'],
    },
  },
  {
    name: 'tabular.getEmbSz',
    args: () => [tabularDls, { city: 3 }],
    call: (d, s) => tabular.getEmbSz(d as Any, s as Any),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array'],
      1: ['null', 'NaN', 'zero', 'string', 'array'],
      '1.city': BAD_COUNT,
    },
  },
  {
    name: 'tabularLearner',
    args: () => [tabularDls, { layers: [8, 4], ps: 0.1, embedP: 0.1, embSzs: { city: 3 }, nOut: 2, lr: 1e-3 }],
    call: (d, o) => tabularLearner(d as Any, o as Any),
    leakCheck: false,
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array'],
      1: BAD_OPTS,
      '1.layers': ['null', 'NaN', 'zero', 'string', 'object'],
      '1.ps': BAD_PROB,
      '1.embedP': BAD_PROB,
      '1.embSzs': ['null', 'NaN', 'zero', 'string', 'array'],
      '1.nOut': BAD_COUNT,
      '1.yRange': BAD_RANGE,
      '1.useBn': BAD_FLAG,
      '1.lr': ['null', 'NaN', 'negative', 'string'],
    },
  },
  {
    name: 'collab.CollabDataLoaders.fromCsv',
    args: () => [ratingsCsv, { userName: 'user', itemName: 'movie', ratingName: 'rating', validPct: 0.25, seed: 1, batchSize: 4 }],
    call: (p, o) => held(collab.CollabDataLoaders.fromCsv(p as Any, o as Any)),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'empty string', 'object', 'array'],
      1: BAD_OPTS,
      '1.userName': ['null', 'zero', 'string', 'object'],
      '1.ratingName': ['null', 'zero', 'string', 'object'],
      '1.validPct': ['NaN', 'negative', 'huge', 'string'],
      '1.batchSize': BAD_COUNT,
      '1.device': ['zero', 'string', 'object'],
    },
  },
  {
    name: 'collab.CollabDataLoaders.fromRows',
    args: () => [ratingRows(), { validPct: 0.25, batchSize: 4 }],
    call: (r, o) => held(collab.CollabDataLoaders.fromRows(r as Any, o as Any)),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array', 'function'],
      1: BAD_OPTS,
      '1.itemName': ['null', 'zero', 'string', 'object'],
      '1.seed': ['NaN', 'negative', 'fractional', 'string'],
    },
  },
  {
    name: 'collabLearner',
    args: () => [collabDls, { nFactors: 4, yRange: [0, 5.5], lr: 1e-2 }],
    call: (d, o) => collabLearner(d as Any, o as Any),
    leakCheck: false,
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'string', 'object', 'array'],
      1: BAD_OPTS,
      '1.nFactors': BAD_COUNT,
      '1.yRange': BAD_RANGE,
      '1.useNN': BAD_FLAG,
      '1.layers': ['NaN', 'zero', 'string', 'object'],
      '1.embSzs': ['NaN', 'zero', 'string', 'array'],
    },
  },
];
