// A throw-away copy of this workspace (its tracked and not-ignored files, node_modules linked),
// for tests that edit sources, run Nx in them or make commits without touching the checkout.
const { execFileSync } = require('node:child_process');
const { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/** Copies the workspace into a new temporary directory; returns { root, remove }. */
function copyWorkspace(prefix = 'signalpath-ws-') {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    // Deleted but not yet staged, or a link to something outside (.tools): not part of the copy.
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    copyFileSync(from, path.join(root, file));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

module.exports = { copyWorkspace };
