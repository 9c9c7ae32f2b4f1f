import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import workspaceCopy = require('../../lib/workspace-copy.cjs');

/**
 * `nx affected -t lint typecheck test` against the default base (nx.json defaultBase: main), in a
 * copy of the workspace made into its own git repository: a commit changing one lib file makes
 * exactly that lib and its dependants affected — the dependants found here independently of Nx,
 * from the import statements in the sources. And Nx's cache holds what is pure (build, lint,
 * typecheck, the unit tests of domain libs) and never a test that uses the database.
 */

const CHANGED_LIB = 'ranking-model';
const TARGETS = ['lint', 'typecheck', 'test'];

interface ProjectJson {
  name: string;
  root: string;
  tags: string[];
  targets: string[];
  implicitDependencies: string[];
}

/** Every project.json under apps/, libs/ and tools/ (each project's root is its folder). */
function readProjects(root: string): ProjectJson[] {
  const found: ProjectJson[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (entry.name === 'project.json') {
        const json = JSON.parse(readFileSync(path.join(root, dir, entry.name), 'utf8'));
        found.push({ name: json.name, root: dir, tags: json.tags ?? [], targets: Object.keys(json.targets ?? {}), implicitDependencies: json.implicitDependencies ?? [] });
      }
    }
  };
  ['apps', 'libs', 'tools'].forEach(walk);
  return found;
}

/**
 * Which projects each project imports, from its source files' import / require / export-from
 * specifiers: `@signalpath/<lib>` through tsconfig paths, relative paths by the folder they
 * reach; plus implicitDependencies (`tag:` patterns expanded).
 */
function importGraph(root: string, projects: ProjectJson[]): Map<string, Set<string>> {
  const owner = (file: string) =>
    projects.filter((p) => file === p.root || file.startsWith(`${p.root}/`)).sort((a, b) => b.root.length - a.root.length)[0]?.name;
  const paths: Record<string, string[]> = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths;
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => /\.(ts|js|cjs|mjs)$/.test(f));
  const graph = new Map(projects.map((p) => [p.name, new Set<string>()]));
  const specifier = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  for (const file of files) {
    const source = owner(file);
    if (!source) continue;
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const match of text.matchAll(specifier)) {
      const spec = match[1];
      let target: string | undefined;
      if (paths[spec]) target = owner(paths[spec][0]);
      else if (spec.startsWith('.')) target = owner(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
      if (target && target !== source) graph.get(source)!.add(target);
    }
  }
  for (const p of projects) {
    for (const dep of p.implicitDependencies) {
      const matches = dep.startsWith('tag:') ? projects.filter((q) => q.tags.includes(dep.slice(4))).map((q) => q.name) : [dep];
      matches.filter((m) => m !== p.name).forEach((m) => graph.get(p.name)!.add(m));
    }
  }
  return graph;
}

/** `lib` and every project that reaches it through imports. */
function dependantsOf(lib: string, graph: Map<string, Set<string>>): Set<string> {
  const affected = new Set([lib]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [project, deps] of graph) {
      if (!affected.has(project) && [...deps].some((d) => affected.has(d))) {
        affected.add(project);
        grew = true;
      }
    }
  }
  return affected;
}

describe('nx affected and the Nx cache', () => {
  let copy: ReturnType<typeof workspaceCopy.copyWorkspace>;
  // Not the Nx context this test may itself run in (npm test's --skip-nx-cache reaches tasks as NX_SKIP_NX_CACHE).
  const outsideNx = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NX_')));
  const env = { ...outsideNx, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { cwd: copy.root, encoding: 'utf8' });
  const nx = (...args: string[]) => {
    const result = spawnSync(process.execPath, [require.resolve('nx/bin/nx.js', { paths: [copy.root] }), ...args], { cwd: copy.root, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
    if (result.status !== 0) throw new Error(`nx ${args.join(' ')} failed (${result.status}): ${result.stderr.slice(-2000)}${result.stdout.slice(-2000)}`);
    return result.stdout;
  };

  beforeAll(() => {
    copy = workspaceCopy.copyWorkspace('nx-affected-');
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
  });

  afterAll(() => copy?.remove());

  it('lists exactly the changed lib and its dependants, against the default base', () => {
    const projects = readProjects(copy.root);
    const expected = dependantsOf(CHANGED_LIB, importGraph(copy.root, projects));
    // The scan must see more than the lib itself, or the comparison below proves little.
    expect(expected.size).toBeGreaterThan(2);

    git('checkout', '-q', '-b', 'change');
    const file = readdirSync(path.join(copy.root, 'libs', CHANGED_LIB, 'src')).find((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))!;
    appendFileSync(path.join(copy.root, 'libs', CHANGED_LIB, 'src', file), '// a one-line change\n');
    git('commit', '-q', '-am', 'change one lib file');

    // No --base: nx.json's defaultBase (main). --graph=stdout prints the tasks it would run.
    const taskGraph = JSON.parse(nx('affected', '-t', ...TARGETS, '--graph=stdout'));
    const tasks = Object.keys(taskGraph.tasks.tasks).filter((id) => TARGETS.includes(id.slice(id.lastIndexOf(':') + 1)));
    const expectedTasks = projects.filter((p) => expected.has(p.name)).flatMap((p) => TARGETS.filter((t) => p.targets.includes(t)).map((t) => `${p.name}:${t}`));
    expect(tasks.sort()).toEqual(expectedTasks.sort());

    // Nx's own list of affected projects agrees.
    expect(nx('show', 'projects', '--affected').split('\n').filter(Boolean).sort()).toEqual([...expected].sort());
  }, 600_000);

  it('caches what is pure: builds, lint, typecheck and the tests of domain libs; never a test that uses the database', () => {
    nx('graph', '--file=graph.json');
    const graph = JSON.parse(readFileSync(path.join(copy.root, 'graph.json'), 'utf8')).graph as {
      nodes: Record<string, { data: { tags?: string[]; targets: Record<string, { cache?: boolean }> } }>;
      dependencies: Record<string, Array<{ target: string }>>;
    };
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      graph.dependencies[from]?.some((d) => d.target === to || (!seen.has(d.target) && (seen.add(d.target), reaches(d.target, to, seen)))) ?? false;
    const cachedTests: string[] = [];
    for (const [name, node] of Object.entries(graph.nodes)) {
      const { targets, tags = [] } = node.data;
      for (const target of ['build', 'lint', 'typecheck']) if (targets[target]) expect(`${name}:${target} cache=${targets[target].cache}`).toBe(`${name}:${target} cache=true`);
      if (!targets.test) continue;
      // Domain libs are pure by the boundary rules (they import only domain libs): their unit tests are cached.
      expect(`${name}:test cache=${targets.test.cache === true}`).toBe(`${name}:test cache=${tags.includes('type:domain')}`);
      if (targets.test.cache) cachedTests.push(name);
    }
    expect(cachedTests.length).toBeGreaterThan(0);
    // And no cached test can reach a database or a network service through what it depends on.
    for (const name of cachedTests) {
      for (const impure of ['npm:mongodb', 'npm:@grpc/grpc-js', 'mongo', 'testing']) expect(`${name} reaches ${impure}: ${reaches(name, impure)}`).toBe(`${name} reaches ${impure}: false`);
    }
  }, 600_000);

  it("replays a domain lib's tests from the cache until one of its files changes", () => {
    const run = () => nx('run', `${CHANGED_LIB}:test`, '--output-style=static');
    const first = run();
    expect(first).toMatch(/Tests:\s+\d+ passed/);
    expect(first).not.toMatch(/from (the )?(local )?cache|existing outputs match the cache/i);
    const second = run();
    expect(second).toMatch(/Nx read the output from the cache/);
    expect(second).toMatch(/Tests:\s+\d+ passed/); // the replayed output
    const file = readdirSync(path.join(copy.root, 'libs', CHANGED_LIB, 'src')).find((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))!;
    appendFileSync(path.join(copy.root, 'libs', CHANGED_LIB, 'src', file), '// another one-line change\n');
    expect(run()).not.toMatch(/Nx read the output from the cache/);
  }, 600_000);
});
