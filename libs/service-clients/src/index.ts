export * from './clients';
export * from './eligibility-cache';
export * from './identity';
export * from './settings-lookup';
export * from './single-flight';
