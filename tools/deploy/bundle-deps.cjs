// The production npm dependencies of one built service bundle. The build target
// (tools/nx/service-targets.cjs) keeps npm packages external (OpenTelemetry must patch
// @grpc/grpc-js and mongodb when they are first required), so the image needs exactly the
// packages the bundle requires, at the versions the root package.json pins, and their own
// dependencies from the lockfile.
// CommonJS so the Dockerfile's build stage, the deploy check and jest can all use it.
const { readdirSync, readFileSync } = require('node:fs');
const { builtinModules } = require('node:module');
const path = require('node:path');

const BUILTINS = new Set(builtinModules);

/** The npm package a module specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Package names required by the bundle's .js files (esbuild's CommonJS output: `require("x")`).
 * Node built-ins and relative paths are left out. A dynamic `import("x")` would escape this
 * scan, so its presence is an error rather than a silent omission.
 */
function bundlePackages(distDir) {
  const names = new Set();
  for (const file of readdirSync(distDir).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(path.join(distDir, file), 'utf8');
    if (/\bimport\(\s*["'`]/.test(code)) throw new Error(`${file}: a dynamic import() is not covered by the dependency scan`);
    for (const match of code.matchAll(/\brequire\("([^"]+)"\)/g)) {
      const specifier = match[1];
      if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) continue;
      const name = packageOf(specifier);
      if (!BUILTINS.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * A package.json with only `packages`, at the versions `rootPackage.dependencies` pins. Throws
 * naming every package that is missing there or only a devDependency: the image installs
 * production dependencies only, so such a service would crash at start in its container.
 */
function prunedPackageJson(rootPackage, packages, app) {
  const dependencies = {};
  const problems = [];
  for (const name of packages) {
    const version = rootPackage.dependencies?.[name];
    if (version) dependencies[name] = version;
    else if (rootPackage.devDependencies?.[name]) problems.push(`${name} is only a devDependency`);
    else problems.push(`${name} is not in package.json dependencies`);
  }
  if (problems.length > 0) throw new Error(`${app} bundle requires packages the image would not install: ${problems.join('; ')}`);
  // The root's overrides too (they pin the OpenTelemetry exporters' dependencies to the versions
  // the rest of the SDK uses), so the image resolves the same tree as the lockfile.
  const overrides = rootPackage.overrides ? { overrides: rootPackage.overrides } : {};
  return { name: `@signalpath/${app}-image`, version: rootPackage.version, private: true, license: rootPackage.license, dependencies, ...overrides };
}

module.exports = { bundlePackages, packageOf, prunedPackageJson };

// CLI (the Dockerfile's build stage): node tools/deploy/bundle-deps.cjs <app> <out dir>
// writes <out dir>/package.json for dist/apps/<app>.
if (require.main === module) {
  const [app, outDir] = process.argv.slice(2);
  if (!app || !outDir) {
    process.stderr.write('usage: node tools/deploy/bundle-deps.cjs <app> <out dir>\n');
    process.exit(2);
  }
  const root = path.resolve(__dirname, '..', '..');
  const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const pruned = prunedPackageJson(rootPackage, bundlePackages(path.join(root, 'dist', 'apps', app)), app);
  require('node:fs').mkdirSync(outDir, { recursive: true });
  require('node:fs').writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(pruned, null, 2)}\n`);
  process.stdout.write(`${app}: ${Object.keys(pruned.dependencies).length} production packages → ${path.join(outDir, 'package.json')}\n`);
}
