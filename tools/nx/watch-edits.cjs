// One-line edits for the watch test and measurement, made in a workspace copy: one in the
// service's own sources, one in a lib it bundles, each observable once the service restarted.
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** grpc-kit's message for an id with control characters: what a call with "\u0001" returns. */
const LIB_FILE = 'libs/grpc-kit/src/validate.ts';
const LIB_MESSAGE = 'must not contain control characters';

function replaceOnce(root, file, from, to) {
  const full = path.join(root, file);
  const text = readFileSync(full, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update tools/nx/watch-edits.cjs`);
  writeFileSync(full, text.replace(from, to));
}

/**
 * Edit `n` of a sequence. Odd edits change the lib (its validation message gets " (edit n)");
 * even edits add a line to the app's main.ts that logs a marker at start.
 * Returns { where, file, observe } where observe says what the restarted service shows.
 */
function makeEdit(root, app, n, previous) {
  if (n % 2 === 1) {
    const from = previous?.libMessage ?? LIB_MESSAGE;
    const libMessage = `${LIB_MESSAGE} (edit ${n})`;
    replaceOnce(root, LIB_FILE, `'${from}'`, `'${libMessage}'`);
    return { where: 'lib', file: LIB_FILE, libMessage };
  }
  const file = `apps/${app}/src/main.ts`;
  const marker = `watch edit ${n}`;
  const full = path.join(root, file);
  writeFileSync(full, `${readFileSync(full, 'utf8').replace(/\nprocess\.stderr\.write\('watch edit \d+\\n'\);\n$/, '\n')}process.stderr.write('${marker}\\n');\n`);
  return { where: 'app', file, marker, libMessage: previous?.libMessage };
}

module.exports = { LIB_FILE, LIB_MESSAGE, makeEdit };
