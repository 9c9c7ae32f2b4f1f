#!/usr/bin/env node
// `npm run db`: runs the local database in the foreground until Ctrl-C.
import { startLocalDatabase } from './lib/local-db.mjs';

try {
  const db = await startLocalDatabase();
  console.log(`MONGODB_URI=${db.uri}`);
  if (db.kind === 'external' || db.kind === 'existing') process.exit(0);
  const shutdown = async () => {
    await db.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  db.child.once('exit', (code) => process.exit(code ?? 1));
} catch (error) {
  console.error(`[db] ${error.message}`);
  process.exit(1);
}
