export * from './regions';
export * from './policy';
export * from './settings-fields';
export * from './request-deadlines';
