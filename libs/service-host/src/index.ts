export * from './host';
export * from './periodic-task';
