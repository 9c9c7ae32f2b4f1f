// Cross-service tests that assemble the services in-process (real servers on chosen ports, the real
// database): what no single service's suite can show, e.g. an erasure racing deliveries.
module.exports = { ...require('../../jest.preset.js'), displayName: 'integration', rootDir: __dirname, testTimeout: 300000 };
