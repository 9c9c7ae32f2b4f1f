module.exports = { ...require('../../jest.preset.js'), displayName: 'consent-policy', rootDir: __dirname };
