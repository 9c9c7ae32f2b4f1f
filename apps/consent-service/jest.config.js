module.exports = { ...require('../../jest.preset.js'), displayName: 'consent-service', rootDir: __dirname };
