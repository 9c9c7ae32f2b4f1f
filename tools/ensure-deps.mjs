#!/usr/bin/env node
// Installs npm dependencies when they are missing or older than package-lock.json.
// Runs before anything else in `npm start` / `npm test`, so it uses only Node built-ins.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
const lock = path.join(ROOT, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('[deps] installing npm dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: ROOT, stdio: 'inherit' });
}
