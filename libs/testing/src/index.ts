export { requireMongoUri, uniqueDbName } from '@signalpath/mongo';
export * from './service';
export * from './fake-consent';
export * from './fake-dependency';
export * from './raw-call';
export * from './ids';
