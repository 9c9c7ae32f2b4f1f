export { requireMongoUri, uniqueDbName } from '@signalpath/mongo';
export * from './service';
