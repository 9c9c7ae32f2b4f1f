// `nx g @signalpath/tools:service <name>`: a new gRPC service in the house template (the shape of
// apps/ranking-service and apps/profile-service): a proto with one RPC, the app (thin main.ts,
// preloaded instrumentation.ts, config.ts, server.ts with createServer-style module, one handler
// validating through grpc-kit, a store, a jest test against the real database), its entry in the
// stack description (next free port), its scope in the module-boundary rules, its service
// identity and an allow-list entry (operator may call the RPC). Afterwards the repository's proto
// generation regenerates libs/proto. CommonJS like the other local Nx plugin code: Nx runs it
// without a TypeScript loader (none is installed).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { generateFiles, getProjects, logger, names } = require('@nx/devkit');

const STACK_FILE = 'libs/config/src/stack.json';
const ESLINT_FILE = 'eslint.config.mjs';
const POLICY_FILE = 'libs/service-auth/src/policy.ts';
const KEYS_FILE = 'libs/service-auth/src/keys.ts';
const PROTO_INDEX = 'libs/proto/src/index.ts';

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;
const MAX_NAME_LENGTH = 30;
// The proto namespace and the module constant are named after the service (`export * as <name>`).
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await'.split(' '),
);

/** Usage problems: thrown as plain Errors, which Nx prints as the generator's failure. */
function fail(message) {
  throw new Error(`service generator: ${message}`);
}

/** Everything the templates and edits need, derived from the name (after validation). */
function normalize(tree, rawName) {
  const name = String(rawName ?? '').trim();
  if (!name) fail('give the new service\'s name, e.g. `nx g @signalpath/tools:service audit-log`');
  if (!NAME_PATTERN.test(name)) {
    fail(`"${name}" is not a valid name: use lower-case kebab case (letters and digits, words joined by "-", each word starting with a letter), e.g. audit-log`);
  }
  if (name.length > MAX_NAME_LENGTH) fail(`"${name}" is longer than ${MAX_NAME_LENGTH} characters`);
  if (name === 'service' || name.endsWith('-service')) {
    fail(`"${name}": give the area without "-service" (the app is named <name>-service), e.g. "${name.replace(/-?service$/, '') || 'audit-log'}"`);
  }
  const n = names(name);
  const key = name;
  const app = `${name}-service`;
  const protoArea = name.replace(/-/g, '_');
  const camel = n.propertyName;
  if (RESERVED.has(camel)) fail(`"${name}" is a JavaScript reserved word, which cannot name the proto namespace; choose another name`);

  const stack = JSON.parse(tree.read(STACK_FILE, 'utf-8'));
  const existing = stack.services.find((s) => s.key === key || s.app === app);
  if (existing) fail(`"${name}" exists already: ${STACK_FILE} describes ${existing.app} (services: ${stack.services.map((s) => s.key).join(', ')})`);
  const projects = getProjects(tree);
  for (const taken of [app, name]) if (projects.has(taken)) fail(`"${name}": a project named ${taken} exists already (${projects.get(taken).root})`);
  if (tree.exists(`apps/${app}`)) fail(`"${name}": apps/${app} exists already`);
  if (tree.exists(`protos/signalpath/${protoArea}`)) fail(`"${name}": protos/signalpath/${protoArea} exists already`);
  if (new RegExp(`export \\* as ${camel} from`).test(tree.read(PROTO_INDEX, 'utf-8'))) fail(`"${name}": @signalpath/proto already exports a namespace ${camel}`);

  const className = n.className;
  const constant = n.constantName;
  return {
    name,
    key,
    app,
    protoArea,
    protoPackage: `signalpath.${protoArea}.v1`,
    serviceName: `${className}Service`,
    grpcService: `signalpath.${protoArea}.v1.${className}Service`,
    camel,
    className,
    constant,
    portVar: `${constant}_PORT`,
    addrVar: `${constant}_ADDR`,
    // The next port after the stack's: the four are 50051-50054 (DESIGN.md).
    defaultPort: Math.max(...stack.services.map((s) => s.defaultPort)) + 1,
    // Its Prometheus scrape port, likewise after the stack's (9461-9464 for the four).
    metricsPortVar: `${constant}_METRICS_PORT`,
    defaultMetricsPort: Math.max(...stack.services.map((s) => s.defaultMetricsPort)) + 1,
  };
}

/** Inserts `text` into `file` before/after the last match of `anchor`; fails naming the file otherwise. */
function insertAt(tree, file, anchor, text, where) {
  const content = tree.read(file, 'utf-8');
  const matches = [...content.matchAll(new RegExp(anchor.source, `${anchor.flags.replace('g', '')}g`))];
  if (matches.length === 0) fail(`cannot find where to add the new service in ${file} (looked for ${anchor}); add it by hand`);
  const last = matches[matches.length - 1];
  const at = where === 'before' ? last.index : last.index + last[0].length;
  tree.write(file, content.slice(0, at) + text + content.slice(at));
}

function generator(tree, options) {
  const o = normalize(tree, options.name);

  generateFiles(tree, path.join(__dirname, 'files'), '.', { ...o, tmpl: '' });

  // Stack description: ports, variables (npm start, tests, Nx targets all read it).
  {
    const content = tree.read(STACK_FILE, 'utf-8');
    const stack = JSON.parse(content);
    const close = content.lastIndexOf('\n    }\n  ]');
    const entry = JSON.stringify({ key: o.key, app: o.app, grpcService: o.grpcService, portVar: o.portVar, addrVar: o.addrVar, metricsPortVar: o.metricsPortVar, defaultMetricsPort: o.defaultMetricsPort, defaultPort: o.defaultPort }, null, 2).replace(/\n/g, '\n    ');
    if (close < 0) {
      // A layout this code does not know: rewrite the whole file rather than guess.
      stack.services.push(JSON.parse(entry));
      tree.write(STACK_FILE, `${JSON.stringify(stack, null, 2)}\n`);
    } else {
      const at = close + '\n    }'.length;
      tree.write(STACK_FILE, `${content.slice(0, at)},\n    ${entry}${content.slice(at)}`);
    }
  }

  // Module boundaries: the app (and later its own libs) may use shared libs and its own scope only.
  insertAt(tree, ESLINT_FILE, /^ {12}scope\('[a-z0-9-]+'\),\n/m, `            scope('${o.key}'),\n`, 'after');

  // Service identity: the service signs its own calls and needs its key (runService refuses to start without one).
  insertAt(tree, KEYS_FILE, /^ {2}'[a-z0-9-]+-service',\n/m, `  '${o.app}',\n`, 'after');

  // Allow-list: the operator may call the one RPC (everything not listed is denied).
  insertAt(tree, POLICY_FILE, /^const [A-Z0-9_]+ = 'signalpath\.[a-z0-9_]+\.v1\.[A-Za-z0-9]+';\n/m, `const ${o.constant} = '${o.grpcService}';\n`, 'after');
  insertAt(tree, POLICY_FILE, /^ {2}\[`\/\$\{[A-Z0-9_]+\}\/[A-Za-z0-9]+`\]: \[[^\]]*\],\n/m, `\n  [\`/\${${o.constant}}/PutItem\`]: ['operator'],\n`, 'after');

  // The generated code's namespace in @signalpath/proto, in alphabetical order with the others.
  {
    const content = tree.read(PROTO_INDEX, 'utf-8');
    const lines = content.split('\n');
    const exports = lines.map((line, index) => ({ line, index })).filter(({ line }) => /^export \* as [A-Za-z0-9]+ from '\.\/generated\//.test(line));
    if (exports.length === 0) fail(`cannot find the namespace exports in ${PROTO_INDEX}; add the new one by hand`);
    const added = `export * as ${o.camel} from './generated/signalpath/${o.protoArea}/v1/${o.protoArea}_service';`;
    const sorted = [...exports.map((e) => e.line), added].sort((a, b) => a.localeCompare(b));
    lines.splice(exports[0].index, exports[exports.length - 1].index - exports[0].index + 1, ...sorted);
    tree.write(PROTO_INDEX, lines.join('\n'));
  }

  return () => {
    if (!options.skipProtoGenerate) {
      // The repository's own generation (buf format check, lint, ts-proto, descriptor sets).
      logger.info('Running tools/proto-generate.sh (buf lint + ts-proto) for the new proto…');
      execFileSync('bash', ['tools/proto-generate.sh'], { cwd: tree.root, stdio: 'inherit' });
    } else {
      logger.info('Skipped proto generation: run `npm run proto:generate` before building.');
    }
    logger.info(
      [
        '',
        `${o.grpcService} scaffolded as apps/${o.app} (default port ${o.defaultPort}, ${o.portVar} / ${o.addrVar}).`,
        'Next:',
        `  npx nx run-many -t lint typecheck test -p ${o.app}     # needs MONGODB_URI (npm run db)`,
        `  npx nx serve ${o.app}                                  # or npm start: it starts every service of the stack`,
        `  grpcurl -plaintext -H "authorization: Bearer $(npm run -s token -- ${o.key})" \\`,
        `    -d '{"item_id":"i1","title":"first"}' 127.0.0.1:${o.defaultPort} ${o.grpcService}/PutItem`,
        'Not generated: deploy/ (Dockerfile, compose, k8s) and docs/api.md; a client in @signalpath/service-clients if another service calls it.',
      ].join('\n'),
    );
  };
}

module.exports = generator;
module.exports.default = generator;
module.exports.normalize = normalize;
