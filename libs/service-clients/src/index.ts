export * from './clients';
export * from './eligibility-cache';
