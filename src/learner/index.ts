// The learner layer: the loop, the Callback base, events and cancellations.
export { Learner as BaseLearner, callLoss, LEARNER_OPTIONS, type LearnerOptions, type LossFunc, type OptFunc, type Splitter } from './learner.js';
export { LogBus, consoleTable, type LogRow, type LogSink, type BatchLog } from './logs.js';
export { Callback, callbackName, type Handler, type Handlers, type AroundHandler, type CallbackEvents, type CallbackSteps } from './callback.js';
export { EVENTS, INNER_LOOP, TRAINING_LOOP, AROUND_PHASES, STEP_PARTS, type EventName, type AroundPhase, type StepPart } from './events.js';
export * from './exceptions.js';
export { writeExport, readExport, EXPORT_FORMAT, type ExportParts } from './export.js';
export type { GetPredsOptions, GetPredsResult, ItemPrediction } from './inference.js';
export { CHECKPOINT_FORMAT } from './checkpoint.js';
export { tta, type TtaOptions, type TtaResult } from './tta.js';
export { isMainProcess } from './rank.js';
