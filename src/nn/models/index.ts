// The `models` namespace: the model registry and the architectures registered in it.
export { registerModel, registeredModels, createModel, modelSpec, type ModelArgs, type ModelFactory, type ModelSpec } from './registry.js';
export { simpleCnn, type SimpleCnnArgs } from './simple-cnn.js';
export { TabularModel, embSzRule, type TabularArgs } from './tabular.js';
export { mlp, type MlpArgs } from './mlp.js';
export { modelMeta, IMAGENET_STATS, type ModelMeta } from './registry.js';
export { resnet18, resnet34, resnet50, resnet101, resnet152, type ResNet, type BasicBlock, type Bottleneck, type ResNetArgs } from './resnet.js';
export { xresnet18, xresnet34, xresnet50, xresnet101, xresnet152, type XResNet, type ResBlock, type XResNetArgs } from './xresnet.js';
export { EmbeddingDotBias, EmbeddingNN, type EmbeddingDotBiasArgs, type EmbeddingNNArgs } from './collab.js';
