// The `callbacks` namespace: every callback, one file each.
export { TrainEvalCallback } from './train-eval.js';
export { Recorder, type RecorderOptions } from './recorder.js';
export { ProgressCallback, type ProgressStream } from './progress.js';
export { CastToTensor } from './cast-to-tensor.js';
export { ParamScheduler, plotSched } from './param-scheduler.js';
export { LRFinder } from './lr-finder.js';
export { valley, slide, minimum, steep, type Suggestion } from './lr-suggestions.js';
export { TerminateOnNaNCallback, GradientClip, GradientAccumulation } from './training.js';
export { TrackerCallback, EarlyStoppingCallback, SaveModelCallback, ReduceLROnPlateau, type TrackerOptions } from './tracker.js';
export { CSVLogger } from './csv-logger.js';
export { RunLog, type RunLogOptions } from './run-log.js';
export {
  parseRunLog,
  readRunRecord,
  type RunLine,
  type RunInfo,
  type FitLine,
  type BatchLine,
  type EpochLine,
  type EndLine,
  type FileLine,
} from './run-record.js';
export { ShowGraphCallback } from './show-graph.js';
export { MixedPrecision, type MixedPrecisionOptions } from './mixed-precision.js';
export { MixHandler, MixUp, CutMix } from './mixup.js';
export { ShortEpochCallback } from './short-epoch.js';
export { BnFreeze } from './bn-freeze.js';
export {
  Hook,
  Hooks,
  HookCallback,
  hookOutput,
  hookOutputs,
  dummyEval,
  modelSizes,
  type HookFunc,
  type HookOptions,
  type HookOutputOptions,
  type HookCallbackOptions,
} from './hook.js';
export { ActivationStats, type ActivationStatsOptions, type LayerBatchStats } from './activation-stats.js';
export { DistributedTrainer } from './distributed.js';
export { TensorBoard, type TensorBoardOptions } from './tensorboard.js';
