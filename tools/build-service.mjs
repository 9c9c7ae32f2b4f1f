// Bundles one service app into dist/apps/<name>/{main,instrumentation}.js with esbuild.
// Workspace libs (@signalpath/*) are bundled via tsconfig paths; npm packages stay external so
// OpenTelemetry's require hooks can patch @grpc/grpc-js and mongodb when they are first required.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (!name) {
  console.error('usage: node tools/build-service.mjs <app-name>');
  process.exit(2);
}
const appDir = path.join(root, 'apps', name, 'src');
await build({
  entryPoints: [path.join(appDir, 'main.ts'), path.join(appDir, 'instrumentation.ts')],
  outdir: path.join(root, 'dist', 'apps', name),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  packages: 'external',
  tsconfig: path.join(root, 'tsconfig.base.json'),
  loader: { '.tsv': 'text', '.binpb': 'binary' },
  logLevel: 'warning',
});
console.log(`built dist/apps/${name}`);
