module.exports = { ...require('../../jest.preset.js'), displayName: 'signal-service', rootDir: __dirname };
