import { randomBytes } from 'node:crypto';

/**
 * Tests that need the database run against the real one: `npm test` provisions it and exports
 * MONGODB_URI. Without it, fail loudly rather than skip.
 */
export function requireMongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    throw new Error('MONGODB_URI is not set: run tests with `npm test` (it provisions a local database) or export MONGODB_URI');
  }
  return uri;
}

/** A fresh database name per test file, so files run in parallel without sharing state. */
export function uniqueDbName(label: string): string {
  const safe = label.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 24);
  return `t_${safe}_${randomBytes(4).toString('hex')}`;
}
