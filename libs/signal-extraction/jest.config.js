module.exports = { ...require('../../jest.preset.js'), displayName: 'signal-extraction', rootDir: __dirname };
