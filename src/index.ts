// Flint's public entry. Later layers (optim, data, metrics, Learner, callbacks) are added here.
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export { Tensor, TorchError } from './torch/index.js';
