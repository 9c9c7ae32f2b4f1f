import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import stack from '../../../libs/config/src/stack.json';

/**
 * Every service's src/ follows the one service template (docs/DESIGN.md, "Service template"):
 * the same root files, handler modules bound by grpc-kit's bindService, and no rules or test
 * helpers at the root. A fifth service (or a file dropped at a root) fails here, naming it.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The only files at a service's src/ root (besides its service-level *.spec.ts). */
const ROOT_FILES = ['main.ts', 'server.ts', 'config.ts', 'mapping.ts', 'validation.ts', 'instrumentation.ts'];
/** Entries every service has. */
const REQUIRED = [...ROOT_FILES, 'handlers', 'store', 'testing'];
/** handlers/ holds handler modules and the context type they share. */
const HANDLER_SUPPORT = ['context.ts'];

const apps = stack.services.map((s) => ({ key: s.key, app: s.app, src: path.join(ROOT, 'apps', s.app, 'src') }));
const pascal = (key: string) => key.replace(/(^|-)([a-z])/g, (_m, _dash, c: string) => c.toUpperCase());
const camel = (key: string) => pascal(key).replace(/^./, (c) => c.toLowerCase());
const read = (file: string) => readFileSync(file, 'utf8');

describe.each(apps)('$app src/ follows the service template', ({ key, src }) => {
  it('has only template files at its root, and every required entry', () => {
    const entries = readdirSync(src);
    const stray = entries.filter((name) => statSync(path.join(src, name)).isFile() && !ROOT_FILES.includes(name) && !name.endsWith('.spec.ts'));
    expect(stray).toEqual([]);
    expect(REQUIRED.filter((name) => !existsSync(path.join(src, name)))).toEqual([]);
  });

  it(`server.ts exports create${pascal(key)}Service(overrides) and the default ${camel(key)}Service; main.ts runs it in 3 lines`, () => {
    const server = read(path.join(src, 'server.ts'));
    expect(server).toMatch(new RegExp(`export function create${pascal(key)}Service\\(overrides: \\w+ = \\{\\}\\): ServiceModule<`));
    expect(server).toMatch(new RegExp(`export const ${camel(key)}Service = create${pascal(key)}Service\\(\\);`));
    // The gRPC name comes from the generated definition (bindService), never a literal or a table.
    expect(server).not.toMatch(/'signalpath\.[a-z_]+\.v\d+\./);
    expect(server).toContain('bindService<');
    const main = read(path.join(src, 'main.ts')).trim().split('\n').filter((line) => line.trim() !== '');
    expect(main).toEqual(["import { main } from '@signalpath/service-host';", `import { ${camel(key)}Service } from './server';`, `main(${camel(key)}Service);`]);
  });

  it('handlers/ holds handler modules only: each exports a <name>Handlers(context) returning part of the generated server', () => {
    const dir = path.join(src, 'handlers');
    const modules = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts') && !HANDLER_SUPPORT.includes(name));
    expect(modules.length).toBeGreaterThan(0);
    const malformed = modules.filter((name) => {
      const text = read(path.join(dir, name));
      return !/export function \w+Handlers\(/.test(text) || !/satisfies Handlers</.test(text) || /\bunary\(/.test(text);
    });
    expect(malformed).toEqual([]);
  });

  it('store/ holds MongoDB access only: no rule module imports a handler or a feature folder', () => {
    const dir = path.join(src, 'store');
    const files = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'));
    const reachesOut = files.filter((name) => /from '\.\.\/(handlers|validation|mapping)/.test(read(path.join(dir, name))));
    expect(reachesOut).toEqual([]);
  });
});
