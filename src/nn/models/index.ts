// The `models` namespace: the model registry and the architectures registered in it.
export { registerModel, registeredModels, createModel, modelSpec, type ModelArgs, type ModelFactory, type ModelSpec } from './registry.js';
export { simpleCnn, type SimpleCnnArgs } from './simple-cnn.js';
export { TabularModel, embSzRule, type TabularArgs } from './tabular.js';
export { mlp, type MlpArgs } from './mlp.js';
