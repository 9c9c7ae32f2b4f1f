// The four services' Dockerfiles (deploy/docker/<app>.Dockerfile) are rendered from one template
// here, so they cannot drift from each other or from the node flags the stack runs with
// (tools/lib/stack.cjs); the deploy check fails when a committed Dockerfile differs from its
// rendering (`npm run deploy:check -- --write` rewrites them). lintDockerfile checks the rules
// that matter on any Dockerfile, rendered or not (hadolint is Haskell and not installable here).
const { NODE_FLAGS, SERVICES } = require('../lib/stack.cjs');

/** The base image: Node 20 on Debian bookworm slim, pinned to an exact release (see docs/deploy.md). */
const NODE_IMAGE = 'node:20.20.2-bookworm-slim';
/** The official node image's unprivileged `node` user; numeric, so Kubernetes' runAsNonRoot can verify it. */
const RUNTIME_UID = 1000;
/** Where keys (and certificates) are mounted from Secrets at run time; nothing secret is in the image. */
const KEYS_DIR = '/etc/signalpath/keys';

function dockerfilePath(app) {
  return `deploy/docker/${app}.Dockerfile`;
}

/** The node command line of a service, as tools/lib/stack.cjs starts it, relative to /app. */
function nodeCommand(service) {
  return ['node', ...NODE_FLAGS, ...(service.nodeFlags ?? []), '--require', './dist/instrumentation.js', './dist/main.js'];
}

function renderDockerfile(service) {
  const { app, portVar, defaultPort } = service;
  const json = (list) => `[${list.map((item) => JSON.stringify(item)).join(', ')}]`;
  return `# syntax=docker/dockerfile:1
# Image of ${app}. Rendered by tools/deploy/dockerfile.cjs (npm run deploy:check -- --write); edit there.
# Build from the repository root: docker build -f ${dockerfilePath(app)} -t signalpath/${app} .

# Build stage: the whole workspace, to build the service bundle with the project's own tooling.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
# Dependencies first, as their own layer, so a source-only change does not reinstall them.
# No install scripts: none of the project's dependencies needs one (package.json allowScripts).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx nx run ${app}:build --skip-nx-cache --output-style=static
# The bundle keeps npm packages external (the build target): install exactly the packages it
# requires, at the versions package.json pins, with their dependencies as the root lockfile locks them.
RUN node tools/deploy/bundle-deps.cjs ${app} /out \\
 && cp package-lock.json /out/ \\
 && cd /out && npm install --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline \\
 && cp -r /src/dist/apps/${app} /out/dist \\
 && cp /src/deploy/docker/healthcheck.cjs /out/

# Runtime stage: the bundle, its production dependencies and the health check; nothing else.
FROM ${NODE_IMAGE}
WORKDIR /app
# Owned by root and not writable by the service user: the service writes nothing to disk, so the
# root file system can be mounted read-only.
COPY --from=build /out/package.json /out/healthcheck.cjs ./
COPY --from=build /out/node_modules ./node_modules
COPY --from=build /out/dist ./dist
# Listen on every interface (the default is loopback); keys come from a mounted Secret, never
# generated in a container.
ENV NODE_ENV=production \\
    SIGNALPATH_HOST=0.0.0.0 \\
    ${portVar}=${defaultPort} \\
    SIGNALPATH_KEYS_DIR=${KEYS_DIR} \\
    SIGNALPATH_DEV_KEYS=false
USER ${RUNTIME_UID}:${RUNTIME_UID}
EXPOSE ${defaultPort}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \\
  CMD ${json(['node', '/app/healthcheck.cjs', portVar, String(defaultPort), app])}
# SIGTERM starts the graceful shutdown (health NOT_SERVING, drain, bounded stop).
STOPSIGNAL SIGTERM
CMD ${json(nodeCommand(service))}
`;
}

/** Continuation lines joined, comments dropped: one instruction per entry, with its line number. */
function instructions(text) {
  const result = [];
  let current;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) return;
    if (current) current.text += ` ${line.replace(/\\$/, '').trim()}`;
    else current = { line: index + 1, text: line.replace(/\\$/, '').trim() };
    if (!line.endsWith('\\')) {
      const [keyword, ...rest] = current.text.split(/\s+/);
      result.push({ line: current.line, keyword: keyword.toUpperCase(), args: rest.join(' ') });
      current = undefined;
    }
  });
  return result;
}

/** An image reference pinned to an exact release (x.y.z tag) or a digest; never `latest` or a floating major. */
function isPinnedImage(reference) {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return true;
  const tag = /:([^/:@]+)$/.exec(reference)?.[1];
  return tag !== undefined && /^v?\d+\.\d+\.\d+([-.][A-Za-z0-9.-]+)?$/.test(tag);
}

/**
 * Problems of a Dockerfile, each with its line: every external base pinned, more than one stage,
 * a final stage that runs as a numeric non-root user, has a HEALTHCHECK and an exec-form CMD or
 * ENTRYPOINT, and copies nothing secret from the build context.
 */
function lintDockerfile(text) {
  const problems = [];
  const all = instructions(text);
  const stages = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const internal = stages.some((stage) => stage.name === image);
      if (!internal && !isPinnedImage(image)) problems.push(`line ${instruction.line}: base image ${image} is not pinned to an exact version or digest`);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') problems.push(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
    if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      if (/(^|[\s/])\.(keys|certs|secrets)\b/.test(instruction.args)) problems.push(`line ${instruction.line}: copies key or certificate material into the image`);
    }
    if (instruction.keyword === 'ENV' && /\b[A-Z_]*(SECRET|PASSWORD|TOKEN)[A-Z_]*=/.test(instruction.args)) {
      problems.push(`line ${instruction.line}: a secret in ENV is baked into the image`);
    }
  }
  if (stages.length < 2) problems.push('not a multi-stage build: the runtime image would carry the build toolchain');
  const final = stages[stages.length - 1]?.instructions ?? [];
  const user = final.filter((i) => i.keyword === 'USER').pop();
  if (!user) problems.push('final stage has no USER: the service would run as root');
  else {
    const [uid, gid] = user.args.split(':');
    if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid))) problems.push(`line ${user.line}: USER ${user.args} is not numeric (Kubernetes runAsNonRoot cannot verify a name)`);
    else if (Number(uid) === 0) problems.push(`line ${user.line}: USER is root`);
  }
  const health = final.filter((i) => i.keyword === 'HEALTHCHECK').pop();
  if (!health) problems.push('final stage has no HEALTHCHECK');
  else if (/^NONE\b/i.test(health.args)) problems.push(`line ${health.line}: HEALTHCHECK NONE`);
  const start = final.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').pop();
  if (!start) problems.push('final stage has no CMD or ENTRYPOINT');
  else if (!start.args.startsWith('[')) problems.push(`line ${start.line}: ${start.keyword} in shell form (signals would go to a shell, not to node)`);
  return problems;
}

module.exports = { NODE_IMAGE, RUNTIME_UID, KEYS_DIR, SERVICES, dockerfilePath, nodeCommand, renderDockerfile, lintDockerfile, instructions, isPinnedImage };
