// The public `callbacks` namespace: every callback of src/callbacks, and the Dashboard, which belongs to the
// dashboard layer above them (so src/callbacks/index.ts cannot export it).
export * from './callbacks/index.js';
export type { StatsLine } from './callbacks/run-record.js';
export { Dashboard, type DashboardOptions } from './dashboard/callback.js';
