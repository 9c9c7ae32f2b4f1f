export * from './regions';
export * from './policy';
export * from './settings-fields';
export * from './consent-records';
export * from './consent-strings';
export * from './request-deadlines';
