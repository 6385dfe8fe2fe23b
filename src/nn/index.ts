// The `nn` namespace: Module, layers, losses, init, and the functional forms.
export { Module, type LoadResult } from './module.js';
export * from './layers/linear.js';
export * from './layers/conv.js';
export * from './layers/norm.js';
export * from './layers/activation.js';
export * from './layers/pooling.js';
export * from './layers/dropout.js';
export * from './layers/embedding.js';
export * from './layers/container.js';
export * from './loss.js';
export * from './flat-loss.js';
export * from './multi-loss.js';
export * from './layers/rnn.js';
export * from './layers/attention.js';
export * from './layers/transformer.js';
export * as init from './init.js';
export { clipGradNorm_ } from './utils.js';
export { functional } from '../torch/index.js';
