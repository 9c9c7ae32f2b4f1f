module.exports = { ...require('../../jest.preset.js'), displayName: 'service-clients', rootDir: __dirname };
