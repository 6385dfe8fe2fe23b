// What the collab application builds on (not part of the public `tabular` namespace).
export { TabularDataLoaders, buildTabular } from './data.js';
export { tableOf, columnOf, type CellValue } from './columns.js';
export { splitColumns } from './infer.js';
export { Categorify } from './procs.js';
export { embSizes, learnerOptions } from './learner.js';
