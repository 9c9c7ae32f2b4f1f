#!/usr/bin/env node
// API change discipline for the internal gRPC clients (any language, grpcurl).
//
//   node tools/api-check.mjs            check: `buf breaking` of protos/ against the last released API
//   node tools/api-check.mjs --release  record the current protos as the released API of package.json's version
//
// protos/released/api.binpb is a `buf build` image of the API as last released, and
// protos/released/VERSION its version. A change that `buf breaking` (rules in buf.yaml) reports is
// allowed only with a version that semver lets break (0.x: a new minor; ≥ 1: a new major) and a
// "### Breaking" part in that version's CHANGELOG.md section, with migration notes for clients.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';

const BUF = path.join(ROOT, 'node_modules', '.bin', 'buf');
const IMAGE = path.join(ROOT, 'protos', 'released', 'api.binpb');
const VERSION_FILE = path.join(ROOT, 'protos', 'released', 'VERSION');

const fail = (message) => {
  console.error(`api-check: ${message}`);
  process.exit(1);
};

function parseVersion(text, where) {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (!match) fail(`${where} is not a semantic version: "${text.trim()}"`);
  return { text: text.trim(), major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

const compare = (a, b) => a.major - b.major || a.minor - b.minor || a.patch - b.patch;

/** May `next` break what `released` promised? 0.x: a new minor may; from 1.0 on only a new major. */
const mayBreak = (released, next) => (released.major === 0 ? next.major > 0 || next.minor > released.minor : next.major > released.major);

/** The text of CHANGELOG.md's `## <version>` section, or undefined. */
function changelogSection(version) {
  const changelog = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
  const lines = changelog.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^## \\[?${version.replace(/\./g, '\\.')}\\]?(\\s|$)`).test(line));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const current = parseVersion(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version, 'package.json version');
const section = changelogSection(current.text);
if (!section) fail(`CHANGELOG.md has no "## ${current.text}" section: describe this version's API changes there`);

if (process.argv.includes('--release')) {
  execFileSync(BUF, ['build', '-o', IMAGE], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(VERSION_FILE, `${current.text}\n`);
  console.log(`api-check: protos/released now holds the API of ${current.text}`);
  process.exit(0);
}

const released = parseVersion(readFileSync(VERSION_FILE, 'utf8'), 'protos/released/VERSION');
if (compare(current, released) < 0) fail(`package.json version ${current.text} is older than the released API ${released.text}`);

const result = spawnSync(BUF, ['breaking', '--against', IMAGE], { cwd: ROOT, encoding: 'utf8' });
const breaks = `${result.stdout}${result.stderr}`.trim();
if (result.status === 0) {
  console.log(`api-check: no breaking change against the released API ${released.text}`);
  process.exit(0);
}
if (result.status !== 100) fail(`buf breaking did not run (exit ${result.status}):\n${breaks}`);
console.log(`api-check: breaking changes against the released API ${released.text}:\n${breaks}`);
if (!mayBreak(released, current)) {
  fail(`version ${current.text} may not break the API of ${released.text}: move package.json to ${released.major === 0 ? `0.${released.minor + 1}.0` : `${released.major + 1}.0.0`}, describe the changes under "### Breaking" in CHANGELOG.md, and release with \`npm run api:release\``);
}
if (!/^### Breaking/m.test(section)) fail(`CHANGELOG.md's ${current.text} section has no "### Breaking" part describing these changes and how clients migrate`);
console.log(`api-check: allowed — ${current.text} is a breaking release of ${released.text}, described in CHANGELOG.md`);
