// The `collab` namespace (fastai's collaborative filtering): CollabDataLoaders and collabLearner.
export { CollabDataLoaders, type CollabDataLoadersOptions } from './data.js';
export { collabLearner, type CollabLearnerOptions } from './learner.js';
