// Flint's public entry (the contract of DESIGN.md).
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as callbacks from './callbacks-public.js';
export * as dashboard from './dashboard/index.js';
export * as plot from './plot/index.js';
export * as schedule from './schedule/index.js';
export * as models from './nn/models/index.js';
export * as vision from './vision/index.js';
export * as interpret from './interpret/index.js';
export * as tabular from './tabular/index.js';
export * as collab from './collab/index.js';
export * as tensorboard from './tensorboard/index.js';
export { visionLearner } from './vision/learner.js';
export { tabularLearner } from './tabular/learner.js';
export { collabLearner } from './collab/learner.js';
export { Tensor, TorchError, FlintError, ArgumentError, DistributedError } from './torch/index.js';
export { Learner, loadLearner } from './default-learner.js';
export {
  Callback,
  EVENTS,
  type EventName,
  type AroundPhase,
  type StepPart,
  type LearnerOptions,
  CallbackError,
  CancelFitException,
  CancelEpochException,
  CancelTrainException,
  CancelValidException,
  CancelBatchException,
  CancelStepException,
  CancelBackwardException,
  FitInterrupted,
} from './learner/index.js';
