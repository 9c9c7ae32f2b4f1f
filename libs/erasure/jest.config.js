module.exports = { ...require('../../jest.preset.js'), displayName: 'erasure', rootDir: __dirname };
