export * from './errors';
export * from './validate';
export * from './unary';
export * from './server';
export * from './admission';
export * from './clients';
export * from './lifecycle';
export * from './guard';
