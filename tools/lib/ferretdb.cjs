// Where the local FerretDB wrapper (tools/ferretdb) is built: the file name carries a hash of its
// sources, so a changed wrapper is rebuilt instead of an old binary being reused, and checkouts
// sharing one .tools directory never replace each other's build.
// CommonJS so that both the .mjs tools and jest (TypeScript compiled to CommonJS) can use it.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE_DIR = path.join(ROOT, 'tools', 'ferretdb');
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

function ferretdbBinaryName() {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(file).update('\0').update(readFileSync(path.join(SOURCE_DIR, file))).update('\0');
  return `ferretdb-${hash.digest('hex').slice(0, 12)}`;
}

/** The absolute path of the wrapper binary for the current sources (it may not be built yet). */
function ferretdbBinary() {
  return path.join(ROOT, '.tools', 'bin', ferretdbBinaryName());
}

module.exports = { SOURCE_DIR, ferretdbBinary, ferretdbBinaryName };
