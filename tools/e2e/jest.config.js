const preset = require('../../jest.preset.js');

// The suites start real processes and time restarts; npm test bounds the whole step at 25 min.
module.exports = {
  ...preset,
  displayName: 'e2e',
  rootDir: __dirname,
  testTimeout: 120000,
  reporters: ['default', [require.resolve('../jest/watchdog-reporter.js'), { maxRunMs: 22 * 60_000, project: 'e2e' }]],
};
