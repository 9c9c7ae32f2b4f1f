module.exports = { ...require('../../jest.preset.js'), displayName: 'ranking-model', rootDir: __dirname };
