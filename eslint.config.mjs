import nx from '@nx/eslint-plugin';

// Module boundaries are the architecture: apps import libs (never other apps); a service's libs
// never import another service's; domain libs stay pure (no gRPC, no database).
const scope = (name) => ({
  sourceTag: `scope:${name}`,
  onlyDependOnLibsWithTags: ['scope:shared', `scope:${name}`],
});

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '.tools/**', '.data/**', 'libs/proto/src/generated/**', '**/jest.config.js'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            scope('consent'),
            scope('signal'),
            scope('profile'),
            scope('ranking'),
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:domain'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:domain'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'] },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
            // End-to-end tests drive the services as processes; they may use any lib, never an app.
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:util', 'type:proto', 'type:domain'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Benchmarks and tools assemble a service in-process to measure it; they are not shipped, so
    // they may import an app's modules. Apps and libs stay bound by the rules above.
    files: ['tools/**/*.ts'],
    ignores: ['tools/e2e/**'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
