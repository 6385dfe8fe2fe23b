// The `tabular` namespace (fastai's tabular application): procs, TabularDataLoaders and tabularLearner.
export { TabularDataLoaders, type TabularDataLoadersOptions } from './data.js';
export { Categorify, FillMissing, Normalize, type TabularProc, type ProcSpec, type FillMissingOptions, type FillStrategy } from './procs.js';
export { tabularLearner, getEmbSz, type TabularLearnerOptions, type TabularModelOptions } from './learner.js';
export { contCatSplit, type YBlock } from './infer.js';
export type { CellValue } from './columns.js';
