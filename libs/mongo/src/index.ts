export * from './mongo';
export * from './test-database';
