// The `dashboard` namespace: the live page's server (the callback is callbacks.Dashboard).
export { DashboardServer, type DashboardStartOptions, type DashboardAddress, type RunLineSource } from './server.js';
