export * from './vocabulary';
export * from './personalization';
