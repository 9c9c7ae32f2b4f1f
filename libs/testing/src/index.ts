export { requireMongoUri, uniqueDbName, startPrivateDatabase, testPort, type PrivateDatabase } from '@signalpath/mongo';
export * from './service';
export * from './fake-consent';
export * from './fake-dependency';
export * from './raw-call';
export * from './ids';
export * from './user-data';
