import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { requireMongoUri } from '@signalpath/mongo';
import { loadKeyRing, mintToken } from '@signalpath/service-auth';
import type { KeyObject } from 'node:crypto';
import stackLib = require('../../lib/stack.cjs');
import workspaceCopy = require('../../lib/workspace-copy.cjs');

/**
 * `nx g @signalpath/tools:service <name>` in a copy of the workspace: bad names are refused with a
 * message saying why and nothing changes; a good name gives a service that builds, lints,
 * typechecks and passes its own real-database test, keeps the allow-list test green, starts from
 * its bundle as npm start runs it (auth on, development keys) and answers grpcurl: reflection
 * lists it, health is SERVING, its RPC answers with an operator token and refuses a bad field.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const GRPCURL = path.join(ROOT, '.tools', 'bin', 'grpcurl');
const NAME = 'audit-log';
const APP = 'audit-log-service';
const GRPC_SERVICE = 'signalpath.audit_log.v1.AuditLogService';
/** A whole step (an Nx run on a loaded machine) may take this long before the test gives up. */
const STEP_LIMIT_MS = 10 * 60_000;

interface RunResult {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a command in the copy, bounded; never rejects (the caller checks the code and the output). */
function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = STEP_LIMIT_MS): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      // Without colours: jest and Nx colour their summaries even into a pipe.
      resolve({ code, output: stripVTControlCharacters(`${stdout}\n${stderr}`), ms: Date.now() - started });
    });
  });
}

describe('nx g @signalpath/tools:service', () => {
  let copy: ReturnType<typeof workspaceCopy.copyWorkspace> | undefined;
  /** The copy's root. */
  let root = '';
  let keysDir = '';
  let service: ChildProcess | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', MONGODB_URI: requireMongoUri() };
  /** How long one `nx g` took here: the start of the service is bounded by a multiple of it. */
  let generateMs = 0;

  beforeAll(() => {
    copy = workspaceCopy.copyWorkspace('nx-generator-');
    root = copy.root;
    keysDir = mkdtempSync(path.join(tmpdir(), 'nx-generator-keys-'));
  });

  afterAll(async () => {
    const child = service;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    copy?.remove();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  }, 60_000);

  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

  it('refuses a name that is not lower-case kebab case, or names an existing service, saying why, and changes nothing', async () => {
    const stackBefore = read('libs/config/src/stack.json');
    const policyBefore = read('libs/service-auth/src/policy.ts');
    const badCase = await run(root, 'npx', ['nx', 'g', '@signalpath/tools:service', 'Audit_Log'], env);
    expect(badCase.code).not.toBe(0);
    expect(badCase.output).toContain('"Audit_Log" is not a valid name: use lower-case kebab case');
    const existing = await run(root, 'npx', ['nx', 'g', '@signalpath/tools:service', 'ranking'], env);
    expect(existing.code).not.toBe(0);
    expect(existing.output).toContain('"ranking" exists already: libs/config/src/stack.json describes ranking-service');
    expect(read('libs/config/src/stack.json')).toBe(stackBefore);
    expect(read('libs/service-auth/src/policy.ts')).toBe(policyBefore);
    expect(existsSync(path.join(root, 'apps', 'Audit_Log-service'))).toBe(false);
  }, 2 * STEP_LIMIT_MS);

  it('scaffolds a service that builds, lints, typechecks, passes its tests, starts and answers grpcurl', async () => {
    const ports = stackLib.SERVICES.map((s) => s.defaultPort);
    const metricsPorts = stackLib.SERVICES.map((s) => s.defaultMetricsPort);
    const generated = await run(root, 'npx', ['nx', 'g', '@signalpath/tools:service', NAME], env);
    generateMs = generated.ms;
    expect(generated.code).toBe(0);
    for (const file of ['src/main.ts', 'src/instrumentation.ts', 'src/config.ts', 'src/server.ts', 'src/mapping.ts', 'src/validation.ts', 'src/handlers/items.ts', 'src/store/item-store.ts', 'src/testing/harness.ts', `src/${NAME}.spec.ts`, 'project.json']) {
      expect(generated.output).toContain(`CREATE apps/${APP}/${file}`);
    }
    expect(generated.output).toContain('CREATE protos/signalpath/audit_log/v1/audit_log_service.proto');
    expect(generated.output).toContain('proto-generate: buf lint');
    expect(generated.output).toContain(`${GRPC_SERVICE} scaffolded as apps/${APP}`);
    // The proto generation ran: ts-proto code and the reflection descriptor set hold the new service.
    expect(read('libs/proto/src/generated/signalpath/audit_log/v1/audit_log_service.ts')).toContain('AuditLogServiceService');
    expect(readFileSync(path.join(root, 'libs/proto/src/descriptor-set.binpb')).includes(Buffer.from('AuditLogService'))).toBe(true);
    // Its port is the next after the stack's, and it is described like the others.
    const stack = JSON.parse(read('libs/config/src/stack.json')) as { nodeFlags?: string[]; services: stackLib.ServiceSpec[] };
    const spec = stack.services.find((s) => s.key === NAME);
    if (!spec) throw new Error(`${NAME} is not in the stack description`);
    expect(spec).toEqual({ key: NAME, app: APP, grpcService: GRPC_SERVICE, portVar: 'AUDIT_LOG_PORT', addrVar: 'AUDIT_LOG_ADDR', metricsPortVar: 'AUDIT_LOG_METRICS_PORT', defaultMetricsPort: Math.max(...metricsPorts) + 1, defaultPort: Math.max(...ports) + 1 });
    expect(JSON.parse(read(`apps/${APP}/project.json`)).tags).toEqual([`scope:${NAME}`, 'type:app']);
    expect(read('eslint.config.mjs')).toContain(`scope('${NAME}'),`);
    expect(read('libs/service-auth/src/policy.ts')).toContain("[`/${AUDIT_LOG}/PutItem`]: ['operator'],");

    const checks = await run(
      root,
      'npx',
      ['nx', 'run-many', '-t', 'build', 'lint', 'typecheck', 'test', '-p', APP, '--output-style=static', '--skip-nx-cache'],
      { ...env, MONGODB_DB_PREFIX: `gen_${randomBytes(3).toString('hex')}_` },
    );
    if (checks.code !== 0) throw new Error(`build/lint/typecheck/test of ${APP} failed:\n${checks.output.slice(-4000)}`);
    expect(checks.output).toContain(`Successfully ran targets build, lint, typecheck, test for project ${APP}`);
    expect(checks.output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    // The allow-list test covers every generated service: still green with the fifth.
    const allowList = await run(root, 'npx', ['jest', '-c', 'libs/service-auth/jest.config.js', 'src/service-auth.spec.ts', '-t', 'allow-list entry for every RPC'], env);
    if (allowList.code !== 0) throw new Error(`allow-list test failed:\n${allowList.output.slice(-3000)}`);

    // Started as npm start starts a service: the stack's node flags, instrumentation preloaded, auth on.
    const port = stackLib.testPort(31910);
    const address = `127.0.0.1:${port}`;
    const output: string[] = [];
    const child = spawn(process.execPath, [...stackLib.serviceNodeArgs(spec, root, stack.nodeFlags ?? stackLib.NODE_FLAGS), stackLib.serviceMain(spec, root)], {
      cwd: root,
      env: {
        ...env,
        SIGNALPATH_ENV: 'development',
        SIGNALPATH_DEV_KEYS: 'true',
        SIGNALPATH_KEYS_DIR: keysDir,
        MONGODB_DB_PREFIX: `gen_${randomBytes(3).toString('hex')}_`,
        [spec.portVar]: String(port),
        // No scrape endpoint: its default port may be taken by a stack running beside the test.
        [spec.metricsPortVar]: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service = child;
    child.stdout.on('data', (chunk) => output.push(String(chunk)));
    child.stderr.on('data', (chunk) => output.push(String(chunk)));
    // Waits while the process lives; bounded by a multiple of how long `nx g` took here (loaded machine).
    const startLimit = Math.max(60_000, 4 * generateMs);
    const startedAt = Date.now();
    while ((await stackLib.healthStatus(address)) !== 'SERVING') {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${APP} exited (${child.exitCode ?? child.signalCode}): ${output.join('').slice(-2000)}`);
      if (Date.now() - startedAt > startLimit) throw new Error(`${APP} not SERVING within ${startLimit} ms: ${output.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const grpcurl = (args: string[]) => run(root, GRPCURL, ['-plaintext', ...args], env, 30_000);
    const list = await grpcurl([address, 'list']);
    expect(list.code).toBe(0);
    expect(list.output.split('\n')).toEqual(expect.arrayContaining([GRPC_SERVICE, 'grpc.health.v1.Health']));
    const health = await grpcurl([address, 'grpc.health.v1.Health/Check']);
    expect(health.output).toContain('"status": "SERVING"');
    const ownHealth = await grpcurl(['-d', JSON.stringify({ service: GRPC_SERVICE }), address, 'grpc.health.v1.Health/Check']);
    expect(ownHealth.output).toContain('"status": "SERVING"');

    // Auth is on: no token, no call. The service generated its development keys (the operator's too).
    const anonymous = await grpcurl(['-d', '{"item_id":"i1","title":"first"}', address, `${GRPC_SERVICE}/PutItem`]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.output).toContain('Code: Unauthenticated');
    const ring = loadKeyRing(keysDir, { allowDevelopmentKeys: true });
    const token = await mintToken({ issuer: 'operator', audience: GRPC_SERVICE, privateKey: ring.privateKey('operator') as KeyObject, ttlSeconds: 600 });
    const put = await grpcurl(['-H', `authorization: Bearer ${token}`, '-d', '{"item_id":"i1","title":"first"}', address, `${GRPC_SERVICE}/PutItem`]);
    if (put.code !== 0) throw new Error(`PutItem failed: ${put.output}`);
    const item = (JSON.parse(put.output.trim()) as { item: Record<string, string> }).item;
    expect(item).toMatchObject({ itemId: 'i1', title: 'first', revision: '1' });
    expect(Date.parse(item.createTime)).not.toBeNaN();
    const bad = await grpcurl(['-H', `authorization: Bearer ${token}`, '-d', '{"item_id":"","title":"first"}', address, `${GRPC_SERVICE}/PutItem`]);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('Code: InvalidArgument');
    expect(bad.output).toContain('Message: item_id: must not be empty');
  }, 4 * STEP_LIMIT_MS);
});
