// Shared jest settings for every project; each project's jest.config.js spreads this.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { ...compilerOptions, paths: undefined, isolatedModules: true }, diagnostics: false }],
    // Data files are bundled as text / bytes by esbuild; mirror that in tests.
    '^.+\\.(tsv|binpb)$': require.resolve('./tools/jest/asset-transform.js'),
    '/node_modules/jose/.+\\.js$': require.resolve('./tools/jest/esm-transform.js'),
  },
  // jose ships only ES modules: let the transform above compile it.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json', 'tsv', 'binpb'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/../../' }),
  // Every test has a bound (a test may set a longer one for itself), and so does every run of a
  // project: the watchdog reporter stops a run that overruns and a jest that does not exit, naming
  // what was running and what was left open (tools/jest/watchdog-reporter.js).
  testTimeout: 30000,
  // SIGNALPATH_DETECT_OPEN_HANDLES=1 shows where a handle the watchdog reports was opened (slower).
  detectOpenHandles: process.env.SIGNALPATH_DETECT_OPEN_HANDLES === '1',
  reporters: ['default', [require.resolve('./tools/jest/watchdog-reporter.js'), { maxRunMs: 10 * 60_000 }]],
};
