export * from './types';
export { Ranker, DEFAULT_RANKER_OPTIONS, type RankerOptions } from './ranker';
export { profileViewFor, UNAVAILABLE, type ConsentView, type ProfileRead, type Unavailable } from './personalization';
export { explanationSentence, SURFACE_NAMES, type ExplanationInput } from './explanation';
export { selfAndAncestors, topicName } from './topics';
export { retrievalTopics, DEFAULT_RETRIEVAL_OPTIONS, type RetrievalOptions } from './retrieval';
export { defaultMaxAds, withAdLoad } from './ad-load';
export * from './sensitive-ads';
