export * from './tokens';
export * from './keys';
export * from './policy';
export * from './interceptor';
export * from './credentials';
export * from './tls';
export * from './user-assertion';
