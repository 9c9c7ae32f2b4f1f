# syntax=docker/dockerfile:1
# Image of consent-service. Rendered by tools/deploy/dockerfile.cjs (npm run deploy:check -- --write); edit there.
# Build from the repository root: docker build -f deploy/docker/consent-service.Dockerfile -t signalpath/consent-service .

# Build stage: the whole workspace, to build the service bundle with the project's own tooling.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true
# Dependencies first, as their own layer, so a source-only change does not reinstall them.
# No install scripts: none of the project's dependencies needs one (package.json allowScripts).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx nx run consent-service:build --skip-nx-cache --output-style=static
# The bundle keeps npm packages external (the build target): install exactly the packages it
# requires, at the versions package.json pins, with their dependencies as the root lockfile locks them.
RUN node tools/deploy/bundle-deps.cjs consent-service /out \
 && cp package-lock.json /out/ \
 && cd /out && npm install --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline \
 && cp -r /src/dist/apps/consent-service /out/dist \
 && cp /src/deploy/docker/healthcheck.cjs /out/

# Runtime stage: the bundle, its production dependencies and the health check; nothing else.
FROM node:20.20.2-bookworm-slim
WORKDIR /app
# Owned by root and not writable by the service user: the service writes nothing to disk, so the
# root file system can be mounted read-only.
COPY --from=build /out/package.json /out/healthcheck.cjs ./
COPY --from=build /out/node_modules ./node_modules
COPY --from=build /out/dist ./dist
# Listen on every interface (the default is loopback); keys come from a mounted Secret, never
# generated in a container.
ENV NODE_ENV=production \
    SIGNALPATH_HOST=0.0.0.0 \
    CONSENT_PORT=50051 \
    SIGNALPATH_KEYS_DIR=/etc/signalpath/keys \
    SIGNALPATH_DEV_KEYS=false
USER 1000:1000
EXPOSE 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.cjs", "CONSENT_PORT", "50051", "consent-service"]
# SIGTERM starts the graceful shutdown (health NOT_SERVING, drain, bounded stop).
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "--require", "./dist/instrumentation.js", "./dist/main.js"]
