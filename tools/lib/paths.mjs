import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Go tools built by the project live here (git-ignored), never on the user's PATH. */
export const TOOLS_BIN = path.join(ROOT, '.tools', 'bin');
export const DATA_DIR = path.join(ROOT, '.data');
