// fastai's events, in firing order (camelCase). The inner-loop events run only when a callback's
// runTrain / runValid allow the current phase.
export const EVENTS = [
  'afterCreate', 'beforeFit', 'beforeEpoch', 'beforeTrain', 'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward',
  'afterCancelBackward', 'afterBackward', 'beforeStep', 'afterCancelStep', 'afterStep', 'afterCancelBatch', 'afterBatch',
  'afterCancelTrain', 'afterTrain', 'beforeValidate', 'afterCancelValidate', 'afterValidate', 'afterCancelEpoch',
  'afterEpoch', 'afterCancelFit', 'afterFit',
] as const;

export type EventName = (typeof EVENTS)[number];

export const INNER_LOOP: ReadonlySet<EventName> = new Set<EventName>([
  'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterCancelBackward', 'afterBackward', 'beforeStep',
  'afterStep', 'afterCancelBatch', 'afterBatch',
]);
