export * from './mongo';
export * from './test-database';
export * from './private-database';
