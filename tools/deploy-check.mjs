#!/usr/bin/env node
// `npm run deploy:check [-- --write]`: validates what can be validated on a machine without a
// container engine or a cluster (docs/deploy.md, "What is validated where"):
//   Dockerfiles   committed = rendered from tools/deploy/dockerfile.cjs (--write rewrites them), lint rules
//   bundles       every npm package a built service requires is a production dependency
//   Kubernetes    `kustomize build` of the base and the local overlay, the output checked against the
//                 Kubernetes 1.30 and 1.37 JSON schemas (kubeconform, strict), and the pieces against
//                 each other and the measured RSS (tools/deploy/manifests.cjs)
//   compose       loaded by compose-go (schema, interpolation, references) and checked the same way
// Ends with "deploy-check: N passed, N failed"; exits non-zero on any failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { ensureGoTool } from './lib/go-tools.mjs';
import { ROOT, TOOLS_BIN } from './lib/paths.mjs';

const require = createRequire(import.meta.url);
const { buildServices, SERVICES } = require('./lib/stack.cjs');
const { dockerfilePath, lintDockerfile, renderDockerfile } = require('./deploy/dockerfile.cjs');
const { bundlePackages, prunedPackageJson } = require('./deploy/bundle-deps.cjs');
const { checkCompose, checkManifests } = require('./deploy/manifests.cjs');

const write = process.argv.includes('--write');
/** Kubernetes versions the manifests are validated against: native gRPC probes need >= 1.27. */
const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'];
/** The Kubernetes JSON schemas, from PyPI's kubernetes-validate (GitHub, kubeconform's default source, is not reachable). */
const SCHEMA_PACKAGE = { name: 'kubernetes-validate', version: '1.37.0' };
const SCHEMA_DIR = path.join(ROOT, '.tools', 'kubernetes-json-schema', `${SCHEMA_PACKAGE.name}-${SCHEMA_PACKAGE.version}`);
const BASE = path.join(ROOT, 'deploy', 'k8s', 'base');
const OVERLAY = path.join(ROOT, 'deploy', 'k8s', 'overlays', 'local');
const COMPOSE = path.join(ROOT, 'deploy', 'compose', 'compose.yaml');

const log = (message) => console.error(message);
const results = [];

async function step(name, run) {
  log(`\n[deploy-check] ▶ ${name}`);
  try {
    const problems = (await run()) ?? [];
    for (const problem of problems) log(`  ✘ ${problem}`);
    results.push({ name, passed: problems.length === 0 });
    log(problems.length === 0 ? `[deploy-check] ✔ ${name}` : `[deploy-check] ✘ ${name}: ${problems.length} problem(s)`);
  } catch (error) {
    log(`  ✘ ${error instanceof Error ? error.message : String(error)}`);
    results.push({ name, passed: false });
  }
}

/** Runs a command; returns stdout. Never echoes stdout: a rendered compose model holds secrets. */
function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').slice(-8).join(' | ')}`);
  return result.stdout;
}

/**
 * The strict ("local-strict": no additional properties) schemas of each Kubernetes version, taken
 * once from the kubernetes-validate wheel. Its files carry `$id`s on kubernetes.io and refs
 * relative to them, which kubeconform would try to fetch; rewritten to refs between the files.
 */
function ensureSchemas() {
  if (KUBERNETES_VERSIONS.every((v) => existsSync(path.join(SCHEMA_DIR, `v${v}-local-strict`, '_definitions.json')))) return;
  const download = mkdtempSync(path.join(os.tmpdir(), 'k8s-schemas-'));
  try {
    log(`[deploy-check] fetching ${SCHEMA_PACKAGE.name}==${SCHEMA_PACKAGE.version} from PyPI (first time only)…`);
    execFileSync('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', download, `${SCHEMA_PACKAGE.name}==${SCHEMA_PACKAGE.version}`], { stdio: 'inherit' });
    const wheel = readdirSync(download).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel of ${SCHEMA_PACKAGE.name}`);
    const members = KUBERNETES_VERSIONS.map((v) => `kubernetes_validate/kubernetes-json-schema/v${v}-local-strict/`);
    const extract = `import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist():\n    if any(n.startswith(m) for m in sys.argv[3:]): z.extract(n, sys.argv[2])\n`;
    execFileSync('python3', ['-c', extract, path.join(download, wheel), download, ...members]);
    const staging = `${SCHEMA_DIR}.partial`;
    rmSync(staging, { recursive: true, force: true });
    for (const version of KUBERNETES_VERSIONS) {
      const from = path.join(download, 'kubernetes_validate', 'kubernetes-json-schema', `v${version}-local-strict`);
      const to = path.join(staging, `v${version}-local-strict`);
      mkdirSync(to, { recursive: true });
      for (const file of readdirSync(from)) {
        const schema = JSON.parse(readFileSync(path.join(from, file), 'utf8'));
        delete schema.$id;
        writeFileSync(path.join(to, file), JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#'));
      }
    }
    rmSync(SCHEMA_DIR, { recursive: true, force: true });
    renameSync(staging, SCHEMA_DIR);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

function latestRssMb() {
  const results = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'benchmarks', 'results.json'), 'utf8'));
  const rssMb = results.suites?.stack?.rssMb;
  if (!rssMb) throw new Error('docs/benchmarks/results.json has no suites.stack.rssMb (tools/bench/stack.ts)');
  return rssMb;
}

await step('Dockerfiles are their rendering from tools/deploy/dockerfile.cjs', () => {
  const problems = [];
  for (const service of SERVICES) {
    const file = path.join(ROOT, dockerfilePath(service.app));
    const rendered = renderDockerfile(service);
    if (write) writeFileSync(file, rendered);
    else if (!existsSync(file) || readFileSync(file, 'utf8') !== rendered) problems.push(`${dockerfilePath(service.app)} differs from its rendering: npm run deploy:check -- --write`);
  }
  return problems;
});

await step('Dockerfiles: pinned bases, multi-stage, numeric non-root USER, HEALTHCHECK, exec-form CMD, no secrets', () =>
  SERVICES.flatMap(({ app }) => lintDockerfile(readFileSync(path.join(ROOT, dockerfilePath(app)), 'utf8')).map((p) => `${dockerfilePath(app)}: ${p}`)),
);

await step('every npm package a service bundle requires is a production dependency', () => {
  buildServices();
  const rootPackage = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const problems = [];
  for (const { app } of SERVICES) {
    try {
      const pruned = prunedPackageJson(rootPackage, bundlePackages(path.join(ROOT, 'dist', 'apps', app)), app);
      log(`  ${app}: ${Object.keys(pruned.dependencies).join(', ')}`);
    } catch (error) {
      problems.push(error.message);
    }
  }
  return problems;
});

const builds = {};
await step('kustomize build of the base and the local overlay', () => {
  const kustomize = ensureGoTool('kustomize', log);
  // The overlay's Secrets are generated from git-ignored files: make placeholders where missing.
  execFileSync(process.execPath, [path.join(ROOT, 'tools', 'run.mjs'), 'tools/deploy-secrets.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  builds.base = capture(kustomize, ['build', BASE]);
  builds.overlay = capture(kustomize, ['build', OVERLAY]);
  log(`  base: ${parseAllDocuments(builds.base).length} objects, overlay: ${parseAllDocuments(builds.overlay).length} objects`);
});

await step(`Kubernetes schemas (kubeconform -strict, Kubernetes ${KUBERNETES_VERSIONS.join(' and ')})`, () => {
  if (!builds.overlay) return ['nothing to validate: kustomize build failed'];
  const kubeconform = ensureGoTool('kubeconform', log);
  ensureSchemas();
  const problems = [];
  for (const [name, manifest] of Object.entries(builds)) {
    for (const version of KUBERNETES_VERSIONS) {
      const location = path.join(SCHEMA_DIR, `v${version}-local-strict`, '{{ .ResourceKind }}{{ .KindSuffix }}.json');
      // Every kind must have a schema: a missing one is an error, not a skip.
      const result = spawnSync(kubeconform, ['-strict', '-summary', '-schema-location', location, '-'], { input: manifest, encoding: 'utf8' });
      const summary = result.stdout.trim().split('\n').pop();
      if (result.status !== 0) problems.push(`${name} on ${version}: ${result.stdout.trim()}`);
      else log(`  ${name} on ${version}: ${summary}`);
    }
  }
  return problems;
});

await step('manifests fit together, the services and the measured RSS', () => {
  if (!builds.overlay) return ['nothing to check: kustomize build failed'];
  const rssMb = latestRssMb();
  const parseDocs = (text) => parseAllDocuments(text).map((doc) => doc.toJS());
  return [
    ...checkManifests(parseDocs(builds.base), { rssMb }).map((p) => `base: ${p}`),
    ...checkManifests(parseDocs(builds.overlay), { rssMb, complete: true }).map((p) => `local overlay: ${p}`),
  ];
});

await step('compose file: compose-go (schema, interpolation, references) and the stack checks', () => {
  // Built every time (cached by Go), so a change to the validator is never run stale.
  const validator = path.join(TOOLS_BIN, 'compose-validate');
  execFileSync('go', ['build', '-o', validator, '.'], { cwd: path.join(ROOT, 'tools', 'deploy', 'compose-validate'), stdio: 'inherit' });
  const model = parse(capture(validator, [COMPOSE]));
  return checkCompose(model, readFileSync(COMPOSE, 'utf8'), parse(readFileSync(path.join(path.dirname(COMPOSE), 'prometheus.yml'), 'utf8')));
});

const passed = results.filter((r) => r.passed).length;
const failed = results.length - passed;
for (const r of results.filter((result) => !result.passed)) log(`[deploy-check] failed: ${r.name}`);
console.log(`deploy-check: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
