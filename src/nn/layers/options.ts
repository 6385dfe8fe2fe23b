// Where new parameters live: PyTorch's factory keyword arguments (device, dtype) for every layer.
export { type FactoryOptions, FACTORY_KEYS, factory, emptyParam } from '../check.js';
