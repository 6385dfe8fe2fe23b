// The `optim` namespace: fastai's Optimizer and its step rules.
export { Optimizer, evenMults, type Hypers, type ParamState, type GroupStep, type HyperValue, type ParamsInput } from './optimizer.js';
export { SGD, Adam, AdamW, RAdam, RMSProp, Lamb, type SGDOptions, type AdamOptions, type RMSPropOptions, type BaseOptions } from './rules.js';
export { Lookahead, ranger } from './lookahead.js';
export { trainableParams, normBiasParams, markNormBias } from './params.js';
export { GradScaler, type GradScalerOptions } from './grad-scaler.js';
