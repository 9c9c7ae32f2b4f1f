// The deploy artifacts' own checks (tools/deploy/*.cjs) fail on what they exist to catch, and the
// container health check and the Kubernetes address form work against a real built service.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { requireMongoUri } from '@signalpath/mongo';
import { createConsentClient } from '@signalpath/service-clients';
import { testPort } from './stack';

/* eslint-disable @nx/enforce-module-boundaries -- the deploy tools are plain CommonJS beside the stack's */
const dockerfile = require('../../deploy/dockerfile.cjs') as {
  SERVICES: Array<{ key: string; app: string; portVar: string; defaultPort: number; nodeFlags?: string[] }>;
  NODE_IMAGE: string;
  dockerfilePath(app: string): string;
  renderDockerfile(service: unknown): string;
  lintDockerfile(text: string): string[];
  nodeCommand(service: unknown): string[];
};
const bundleDeps = require('../../deploy/bundle-deps.cjs') as {
  bundlePackages(dir: string): string[];
  prunedPackageJson(root: unknown, packages: string[], app: string): { dependencies: Record<string, string> };
};
const manifests = require('../../deploy/manifests.cjs') as {
  checkManifests(docs: unknown[], options?: { rssMb?: Record<string, number>; complete?: boolean }): string[];
  checkCompose(model: unknown, text: string, prometheusConfig?: unknown): string[];
};
import stackLib = require('../../lib/stack.cjs');

const { NODE_FLAGS } = stackLib;
/* eslint-enable @nx/enforce-module-boundaries */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating parsed YAML in tests

describe('Dockerfiles', () => {
  const consent = dockerfile.SERVICES.find((s) => s.key === 'consent');
  const committed = read(dockerfile.dockerfilePath('consent-service'));

  it('are committed as rendered and pass the lint rules', () => {
    for (const service of dockerfile.SERVICES) {
      const text = read(dockerfile.dockerfilePath(service.app));
      expect(text).toBe(dockerfile.renderDockerfile(service));
      expect(dockerfile.lintDockerfile(text)).toEqual([]);
    }
  });

  it('run each service with the node flags the stack uses', () => {
    const signal = dockerfile.SERVICES.find((s) => s.key === 'signal');
    expect(dockerfile.nodeCommand(signal)).toEqual(['node', ...NODE_FLAGS, '--max-old-space-size=256', '--require', './dist/instrumentation.js', './dist/main.js']);
    expect(dockerfile.nodeCommand(consent)).toEqual(['node', ...NODE_FLAGS, '--require', './dist/instrumentation.js', './dist/main.js']);
    expect(read(dockerfile.dockerfilePath('signal-service'))).toContain('"--max-old-space-size=256"');
  });

  it.each([
    ['a floating base tag', (t: string) => t.replaceAll(dockerfile.NODE_IMAGE, 'node:20-bookworm-slim'), /not pinned/],
    ['latest', (t: string) => t.replace(`FROM ${dockerfile.NODE_IMAGE}\n`, 'FROM node:latest\n'), /not pinned/],
    ['no USER', (t: string) => t.replace(/^USER .*$/m, ''), /no USER/],
    ['USER root', (t: string) => t.replace(/^USER .*$/m, 'USER 0:0'), /USER is root/],
    ['a USER name', (t: string) => t.replace(/^USER .*$/m, 'USER node'), /not numeric/],
    ['no HEALTHCHECK', (t: string) => t.replace(/^HEALTHCHECK .*\n.*\n/m, ''), /no HEALTHCHECK/],
    ['a shell-form CMD', (t: string) => t.replace(/^CMD \[.*$/m, 'CMD node dist/main.js'), /shell form/],
    ['one stage', (t: string) => t.slice(t.indexOf('# Runtime stage')), /multi-stage/],
    ['copied keys', (t: string) => t.replace('COPY --from=build /out/dist ./dist', 'COPY .keys /etc/signalpath/keys'), /key or certificate/],
    ['a secret in ENV', (t: string) => t.replace('SIGNALPATH_DEV_KEYS=false', 'SIGNAL_HASH_SECRET=abc'), /secret in ENV/],
  ])('lint catches %s', (_name, mutate, problem) => {
    const mutated = mutate(committed);
    expect(mutated).not.toBe(committed);
    expect(dockerfile.lintDockerfile(mutated).join('\n')).toMatch(problem);
  });
});

describe('bundle dependencies', () => {
  it('are the packages a bundle requires, never Node built-ins or relative files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
    writeFileSync(path.join(dir, 'main.js'), 'require("node:fs");require("fs");require("./x");require("@grpc/grpc-js");require("@bufbuild/protobuf/wire");require("pino");');
    writeFileSync(path.join(dir, 'instrumentation.js'), 'require("@opentelemetry/api");require("pino");');
    expect(bundleDeps.bundlePackages(dir)).toEqual(['@bufbuild/protobuf', '@grpc/grpc-js', '@opentelemetry/api', 'pino']);
    writeFileSync(path.join(dir, 'late.js'), 'import("pino")');
    expect(() => bundleDeps.bundlePackages(dir)).toThrow(/dynamic import/);
  });

  it('must be production dependencies at their pinned versions', () => {
    const rootPackage = JSON.parse(read('package.json'));
    expect(bundleDeps.prunedPackageJson(rootPackage, ['mongodb'], 'x').dependencies).toEqual({ mongodb: rootPackage.dependencies.mongodb });
    expect(() => bundleDeps.prunedPackageJson(rootPackage, ['yaml', 'left-pad'], 'x')).toThrow(/yaml is only a devDependency; left-pad is not in package.json dependencies/);
  });
});

describe('Kubernetes manifests', () => {
  const RSS = { 'consent-service': 107, 'signal-service': 137, 'profile-service': 121, 'ranking-service': 96 };
  /** The base's documents as written (kustomize adds only the part-of label to them). */
  function baseDocs(): Doc[] {
    const base = path.join(ROOT, 'deploy', 'k8s', 'base');
    const files = ['config.yaml', ...dockerfile.SERVICES.flatMap(({ app }) => readdirSync(path.join(base, app)).filter((f) => f !== 'kustomization.yaml').map((f) => path.join(app, f)))];
    return files.flatMap((file) => parseAllDocuments(readFileSync(path.join(base, file), 'utf8')).map((d) => d.toJS() as Doc));
  }
  const find = (docs: Doc[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name) as Doc;
  const container = (docs: Doc[], app: string) => find(docs, 'Deployment', app).spec.template.spec.containers[0];

  it('the base as written passes', () => {
    expect(manifests.checkManifests(baseDocs(), { rssMb: RSS })).toEqual([]);
  });

  it.each([
    ['one replica', (d: Doc[]) => (find(d, 'Deployment', 'consent-service').spec.replicas = 1), /consent-service: replicas 1 < 2/],
    ['a probe on another port', (d: Doc[]) => (container(d, 'profile-service').readinessProbe.grpc.port = 50051), /profile-service: readinessProbe is not a gRPC probe on port 50053/],
    ['no liveness probe', (d: Doc[]) => delete container(d, 'signal-service').livenessProbe, /signal-service: livenessProbe/],
    ['a Service selecting nothing', (d: Doc[]) => (find(d, 'Service', 'ranking-service-headless').spec.selector = { app: 'x' }), /ranking-service: headless Service selector/],
    ['a non-headless Service', (d: Doc[]) => delete find(d, 'Service', 'ranking-service-headless').spec.clusterIP, /no headless Service ranking-service-headless/],
    ['memory below the measured RSS', (d: Doc[]) => (container(d, 'signal-service').resources.requests.memory = '128Mi'), /signal-service: memory request 128Mi is below the measured RSS 137/],
    ['a writable root file system', (d: Doc[]) => (container(d, 'consent-service').securityContext.readOnlyRootFilesystem = false), /consent-service: root file system is not read-only/],
    ['root', (d: Doc[]) => (find(d, 'Deployment', 'consent-service').spec.template.spec.securityContext.runAsNonRoot = false), /runAsNonRoot/],
    ['an address past the headless Service', (d: Doc[]) => (find(d, 'ConfigMap', 'signalpath-config').data.PROFILE_ADDR = 'profile-service:50053'), /PROFILE_ADDR is profile-service:50053/],
    ['no PodDisruptionBudget', (d: Doc[]) => d.splice(d.indexOf(find(d, 'PodDisruptionBudget', 'profile-service')), 1), /profile-service: no PodDisruptionBudget/],
    ['an autoscaler down to one', (d: Doc[]) => (find(d, 'HorizontalPodAutoscaler', 'ranking-service').spec.minReplicas = 1), /ranking-service: HorizontalPodAutoscaler minReplicas 1/],
    ['loopback listening', (d: Doc[]) => (find(d, 'ConfigMap', 'signalpath-config').data.SIGNALPATH_HOST = '127.0.0.1'), /SIGNALPATH_HOST is 127.0.0.1/],
    ['a Secret in the base', (d: Doc[]) => d.push({ kind: 'Secret', metadata: { name: 'leak' } }), /Secret leak in a base/],
    ['a metrics port off the documented one', (d: Doc[]) => (container(d, 'signal-service').ports.find((p: Doc) => p.name === 'metrics').containerPort = 9464), /signal-service: container port metrics is 9464, documented 9462/],
    [
      'a scrape annotation on another port',
      (d: Doc[]) => (find(d, 'Deployment', 'profile-service').spec.template.metadata.annotations['prometheus.io/port'] = '9461'),
      /profile-service: prometheus.io\/port annotation is 9461, documented 9463/,
    ],
  ])('catch %s', (_name, mutate, problem) => {
    const docs = baseDocs();
    mutate(docs);
    expect(manifests.checkManifests(docs, { rssMb: RSS }).join('\n')).toMatch(problem);
  });

  it('an overlay must carry every Secret the pods use', () => {
    expect(manifests.checkManifests(baseDocs(), { rssMb: RSS, complete: true }).join('\n')).toMatch(/Secret consent-service-keys is not in the output/);
  });
});

describe('compose file', () => {
  let model: Doc;
  let binary: string;
  const text = read('deploy/compose/compose.yaml');
  const prometheus = parse(read('deploy/compose/prometheus.yml')) as Doc;

  beforeAll(() => {
    // compose-go, as the deploy check runs it, on the committed file with placeholder secrets.
    execFileSync(process.execPath, ['tools/run.mjs', 'tools/deploy-secrets.ts'], { cwd: ROOT, stdio: 'ignore' });
    binary = path.join(mkdtempSync(path.join(tmpdir(), 'compose-validate-')), 'compose-validate');
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: path.join(ROOT, 'tools', 'deploy', 'compose-validate'), stdio: 'ignore' });
    model = parse(execFileSync(binary, [path.join(ROOT, 'deploy', 'compose', 'compose.yaml')], { encoding: 'utf8' }));
  }, 300_000);

  const fresh = () => JSON.parse(JSON.stringify(model)) as Doc;

  it('the committed file passes, and compose-go rejects an unknown key', () => {
    expect(manifests.checkCompose(model, text, prometheus)).toEqual([]);
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-'));
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  a:\n    image: x\n    replica: 2\n');
    const result = spawnSync(binary, [path.join(dir, 'compose.yaml')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/replica/);
  });

  it.each([
    ['two mongod', (m: Doc) => delete m.services.mongo3, /2 mongod services/],
    ['no replica set in the URI', (m: Doc) => (m.services['profile-service'].environment.MONGODB_URI = 'mongodb://mongo1:27017/'), /profile-service: MONGODB_URI/],
    ['a writable service', (m: Doc) => delete m.services['consent-service'].read_only, /consent-service: root file system/],
    ['an address by IP', (m: Doc) => (m.services['ranking-service'].environment.CONSENT_ADDR = '127.0.0.1:50051'), /ranking-service: CONSENT_ADDR/],
    ['no keys volume', (m: Doc) => (m.services['signal-service'].volumes = []), /signal-service: keys are not a read-only volume/],
    ['no Jaeger', (m: Doc) => delete m.services.jaeger, /no Jaeger/],
  ])('catches %s', (_name, mutate, problem) => {
    const mutated = fresh();
    mutate(mutated);
    expect(manifests.checkCompose(mutated, text).join('\n')).toMatch(problem);
  });

  it('catches no Prometheus, a service it does not scrape, and a metrics port off the documented one', () => {
    const noPrometheus = fresh();
    delete noPrometheus.services.prometheus;
    expect(manifests.checkCompose(noPrometheus, text, prometheus).join('\n')).toMatch(/no Prometheus/);
    const config = JSON.parse(JSON.stringify(prometheus)) as Doc;
    config.scrape_configs[0].dns_sd_configs[1].port = 9999;
    expect(manifests.checkCompose(model, text, config).join('\n')).toMatch(/signal-service: Prometheus does not scrape signal-service:9462/);
    const moved = fresh();
    moved.services['profile-service'].environment.PROFILE_METRICS_PORT = '9999';
    expect(manifests.checkCompose(moved, text, prometheus).join('\n')).toMatch(/profile-service: PROFILE_METRICS_PORT is 9999, documented 9463/);
  });

  it('catches a hash secret written into the file', () => {
    expect(manifests.checkCompose(model, `${text}\nx:\n  SIGNAL_HASH_SECRET: abcdef\n`).join('\n')).toMatch(/SIGNAL_HASH_SECRET has a value/);
  });
});

describe('a built service as the container runs it', () => {
  const port = testPort(31750);
  const healthcheck = path.join(ROOT, 'deploy', 'docker', 'healthcheck.cjs');
  let service: ChildProcess;
  const logs: string[] = [];

  function check(env: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, [healthcheck, 'CONSENT_PORT', '50051', 'consent-service'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  }

  beforeAll(async () => {
    const dist = path.join(ROOT, 'dist', 'apps', 'consent-service');
    service = spawn(process.execPath, [...NODE_FLAGS, '--require', path.join(dist, 'instrumentation.js'), path.join(dist, 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        MONGODB_URI: requireMongoUri(),
        MONGODB_DB_PREFIX: `deploy_${process.pid}_`,
        SIGNALPATH_HOST: '0.0.0.0',
        CONSENT_PORT: String(port),
        SIGNALPATH_AUTH: 'off',
        SHUTDOWN_DRAIN: '3s',
        OTEL_SDK_DISABLED: 'true',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout?.on('data', (chunk: Buffer) => logs.push(...chunk.toString().split('\n')));
    service.stderr?.on('data', (chunk: Buffer) => logs.push(...chunk.toString().split('\n')));
    for (let attempt = 0; check({ CONSENT_PORT: String(port) }).status !== 0; attempt++) {
      if (service.exitCode !== null) throw new Error(`consent-service exited: ${logs.slice(-5).join(' | ')}`);
      if (attempt > 240) throw new Error('consent-service never became SERVING');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Log lines may reach the pipe a little after health turned SERVING.
    for (let attempt = 0; !logs.some((line) => line.includes('"msg":"consent-service listening"')); attempt++) {
      if (attempt > 200) throw new Error(`no "listening" log line: ${logs.slice(-5).join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }, 120_000);

  afterAll(async () => {
    if (service.exitCode === null) {
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGKILL');
      await exited;
    }
  });

  it('listens on every interface when SIGNALPATH_HOST=0.0.0.0', () => {
    expect(logs.join('\n')).toMatch(/"host":"0\.0\.0\.0","port":\d+,"msg":"consent-service listening"/);
  });

  it('is reached through a dns:/// address, the form the cluster ConfigMap uses', async () => {
    const client = createConsentClient(`dns:///localhost:${port}`, { timeoutMs: 5_000 });
    try {
      const response = await client.getSettings({ userId: 'deploy-dns-user' });
      expect(response.settings?.userId).toBe('deploy-dns-user');
    } finally {
      client.close();
    }
  });

  it('the health check reads the port variable: SERVING exits 0, nothing listening exits 1', () => {
    const serving = check({ CONSENT_PORT: String(port) });
    expect(serving.stdout).toBe('health: SERVING\n');
    expect(serving.status).toBe(0);
    const nobody = check({ CONSENT_PORT: String(testPort(31799)) });
    expect(nobody.stdout).toMatch(/^health: no answer/);
    expect(nobody.status).toBe(1);
  });

  it('during the shutdown drain the health check fails while the service still answers', async () => {
    const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
    service.kill('SIGTERM');
    // The drain starts with this log line; it lasts SHUTDOWN_DRAIN (3s), far longer than one check.
    for (let attempt = 0; !logs.some((line) => line.includes('"msg":"shutting down"')); attempt++) {
      if (attempt > 200) throw new Error('no shutdown log line');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const draining = check({ CONSENT_PORT: String(port) });
    expect(draining.stdout).toBe('health: NOT_SERVING\n');
    expect(draining.status).toBe(1);
    expect(await exited).toBe(0);
  });
});
