// Installs the Go-based tools the project needs into .tools/bin with `go install`, once.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import ferretdb from './ferretdb.cjs';
import { TOOLS_BIN } from './paths.mjs';

/** Pinned versions: `@latest` would make two machines disagree. */
export const GO_TOOLS = {
  grpcurl: { pkg: 'github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4' },
  ghz: { pkg: 'github.com/bojand/ghz/cmd/ghz@v0.121.0' },
  // The deploy check (tools/deploy-check.mjs). kustomize v5.8.3 requires Go >= 1.27; v5.8.2 builds with Go 1.26.
  kustomize: { pkg: 'sigs.k8s.io/kustomize/kustomize/v5@v5.8.2' },
  kubeconform: { pkg: 'github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0' },
  // Built from our own module: see tools/ferretdb/main.go for why not the upstream cmd. Its binary
  // is named after a hash of its sources (tools/lib/ferretdb.cjs), so an edit rebuilds it.
  ferretdb: { dir: ferretdb.SOURCE_DIR, binary: ferretdb.ferretdbBinaryName },
};

export function hasGo() {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

export function toolPath(name) {
  return path.join(TOOLS_BIN, GO_TOOLS[name]?.binary?.() ?? name);
}

/** Returns the tool's path, installing it first if missing. Throws with a clear message without Go. */
export function ensureGoTool(name, log = console.error) {
  const target = toolPath(name);
  if (existsSync(target)) return target;
  const spec = GO_TOOLS[name];
  if (!spec) throw new Error(`unknown tool ${name}`);
  if (!hasGo()) throw new Error(`${name} is missing and Go is not installed: install Go >= 1.24 (https://go.dev/dl/)`);
  log(`[tools] installing ${name} with go install (first time only)…`);
  const env = { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' };
  if (spec.pkg) execFileSync('go', ['install', spec.pkg], { env, stdio: 'inherit' });
  else execFileSync('go', ['build', '-o', target, '.'], { env: { ...env, GOBIN: undefined }, cwd: spec.dir, stdio: 'inherit' });
  return target;
}
