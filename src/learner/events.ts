// The loop's one table: fastai's show_training_loop, in firing order. The event names, their type, the
// inner-loop (batch) events and Learner.showTrainingLoop are all read from it.
export const TRAINING_LOOP = [
  'afterCreate',
  'Start Fit',
  'beforeFit',
  'Start Epoch Loop',
  'beforeEpoch',
  'Start Train',
  'beforeTrain',
  'Start Batch Loop',
  'beforeBatch',
  'afterPred',
  'afterLoss',
  'beforeBackward',
  'afterCancelBackward',
  'afterBackward',
  'beforeStep',
  'afterCancelStep',
  'afterStep',
  'afterCancelBatch',
  'afterBatch',
  'End Batch Loop',
  'End Train',
  'afterCancelTrain',
  'afterTrain',
  'Start Valid',
  'beforeValidate',
  'Start Batch Loop',
  '**CBs same as train batch**',
  'End Batch Loop',
  'End Valid',
  'afterCancelValidate',
  'afterValidate',
  'End Epoch Loop',
  'afterCancelEpoch',
  'afterEpoch',
  'End Fit',
  'afterCancelFit',
  'afterFit',
] as const;

type Row = (typeof TRAINING_LOOP)[number];
export type EventName = Exclude<Row, `Start ${string}` | `End ${string}` | `**${string}`>;

function isEvent(row: Row): row is EventName {
  return !/^(Start |End |\*\*)/.test(row);
}

/** fastai's events, in firing order (camelCase). */
export const EVENTS: readonly EventName[] = [...new Set(TRAINING_LOOP.filter(isEvent))];

/** The events of the batch loop: they run only when a callback's runTrain / runValid allow the current phase. */
export const INNER_LOOP: ReadonlySet<EventName> = new Set(
  TRAINING_LOOP.slice(TRAINING_LOOP.indexOf('Start Batch Loop'), TRAINING_LOOP.indexOf('End Batch Loop')).filter(isEvent),
);

/** The phases a callback's `around(phase, next)` wraps: the loop's phases (their before/after events included) and
 * the named parts of a training step. */
export const AROUND_PHASES = ['fit', 'epoch', 'train', 'validate', 'batch', 'predict', 'getLoss', 'backward', 'step', 'zeroGrad'] as const;
export type AroundPhase = (typeof AROUND_PHASES)[number];

/** The phases that run per batch (callbacks' runTrain / runValid switches apply to them). */
export const INNER_PHASES: ReadonlySet<AroundPhase> = new Set<AroundPhase>(['batch', 'predict', 'getLoss', 'backward', 'step', 'zeroGrad']);

/** The parts of a training step a callback may supply (a method of that name replaces the Learner's). */
export const STEP_PARTS = ['predict', 'getLoss', 'backward', 'step', 'zeroGrad'] as const;
export type StepPart = (typeof STEP_PARTS)[number];
