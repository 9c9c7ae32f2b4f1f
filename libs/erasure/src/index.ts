export * from './markers';
export * from './guard';
export * from './fence';
