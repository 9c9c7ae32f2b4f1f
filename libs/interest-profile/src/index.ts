export * from './decay';
export * from './topic-scores';
export * from './read-rules';
