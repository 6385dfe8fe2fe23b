// The learner layer: the loop, the Callback base, events and cancellations.
export { Learner as BaseLearner, callLoss, silentLogger, type LearnerOptions, type LossFunc, type OptFunc, type Splitter, type LogRow } from './learner.js';
export { Callback, callbackName, type Handler, type Handlers, type CallbackEvents } from './callback.js';
export { EVENTS, INNER_LOOP, type EventName } from './events.js';
export * from './exceptions.js';
export { writeExport, readExport, EXPORT_FORMAT, type ExportParts } from './export.js';
