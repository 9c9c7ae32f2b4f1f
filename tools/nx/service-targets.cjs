// Nx plugin (nx.json "plugins"): gives every service of the stack description its `build` and
// `serve` targets, so a service's ports, flags and build settings live in one place and a new
// service is one entry in libs/config/src/stack.json (plus its app folder with a project.json).
//   build: @nx/esbuild — main + instrumentation bundled into dist/apps/<app>/{main,instrumentation}.js;
//          workspace libs bundled through tsconfig paths; npm packages left external so that
//          OpenTelemetry's require hooks can patch @grpc/grpc-js and mongodb when first required;
//          .tsv as text, .binpb as bytes; source maps.
//   serve: @nx/js:node — runs the bundle with the stack's node flags and the instrumentation
//          preloaded (the arguments npm start uses, from tools/lib/stack.cjs), rebuilds through
//          esbuild's watch (every bundled file: the app and each lib it imports) and restarts the
//          process with SIGTERM, i.e. through the service's own graceful shutdown.
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const { serviceNodeArgs } = require('../lib/stack.cjs');

const STACK_FILE = 'libs/config/src/stack.json';

/** The build target's options for `app` (the same esbuild settings for every service). */
function buildOptions(app) {
  return {
    main: `apps/${app}/src/main.ts`,
    additionalEntryPoints: [`apps/${app}/src/instrumentation.ts`],
    outputPath: `dist/apps/${app}`,
    tsConfig: `apps/${app}/tsconfig.json`,
    platform: 'node',
    target: 'node20',
    format: ['cjs'],
    bundle: true,
    thirdParty: false,
    sourcemap: true,
    // Types are checked by the typecheck target; the bundle does not wait for tsc.
    skipTypeCheck: true,
    generatePackageJson: false,
    assets: [],
    esbuildOptions: {
      // Every bare import stays a require() of node_modules, whatever the project graph says.
      packages: 'external',
      loader: { '.tsv': 'text', '.binpb': 'binary' },
      // Nx names CommonJS output .cjs by default; deploy, e2e, smoke and bench run main.js.
      outExtension: { '.js': '.js' },
      logLevel: 'warning',
    },
  };
}

function serviceTargets(stack, service, workspaceRoot) {
  return {
    build: {
      executor: '@nx/esbuild:esbuild',
      outputs: ['{options.outputPath}'],
      options: buildOptions(service.app),
    },
    serve: {
      executor: '@nx/js:node',
      continuous: true,
      options: {
        buildTarget: `${service.app}:build`,
        runtimeArgs: serviceNodeArgs(service, workspaceRoot, stack.nodeFlags),
        // No debugger port: four services on one 9229 would collide (`--inspect` on the command line turns it on).
        inspect: false,
        watch: true,
        debounce: 100,
      },
    },
  };
}

const createNodes = [
  STACK_FILE,
  (files, _options, context) =>
    files.map((file) => {
      const stack = JSON.parse(readFileSync(path.join(context.workspaceRoot, file), 'utf8'));
      const projects = {};
      for (const service of stack.services) {
        const root = `apps/${service.app}`;
        // A service described before its app folder exists gets no targets (yet).
        if (!existsSync(path.join(context.workspaceRoot, root, 'project.json'))) continue;
        projects[root] = { name: service.app, targets: serviceTargets(stack, service, context.workspaceRoot) };
      }
      return [file, { projects }];
    }),
];

module.exports = { name: 'signalpath-service-targets', createNodes, buildOptions };
