#!/usr/bin/env node
// `npm run test:faults`: the fault suites alone (they also run inside `npm test`): provisions the
// database, builds the services, runs tools/e2e/src/faults.spec.ts and overload.spec.ts against
// real processes.
import { spawnSync } from 'node:child_process';
import { startLocalDatabase } from './lib/local-db.mjs';
import { ROOT } from './lib/paths.mjs';
import { buildServices } from './lib/stack.cjs';

const db = await startLocalDatabase({ log: (m) => console.error(m) });
let status = 1;
try {
  buildServices();
  const run = spawnSync('npx', ['jest', '-c', 'tools/e2e/jest.config.js', '--runInBand', 'src/faults.spec.ts', 'src/overload.spec.ts'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, MONGODB_URI: db.uri } });
  status = run.status ?? 1;
} finally {
  await db.stop();
}
process.exit(status);
