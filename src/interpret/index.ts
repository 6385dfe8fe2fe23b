// The interpret namespace: looking at what a trained model got wrong (fastai's interpret).
export { ClassificationInterpretation, type InterpretationOptions } from './classification.js';
