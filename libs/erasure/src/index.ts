export * from './markers';
export * from './guard';
export * from './fence';
export * from './user-data-service';
