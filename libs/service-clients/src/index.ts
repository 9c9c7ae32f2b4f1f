export * from './clients';
export * from './eligibility-cache';
export * from './identity';
