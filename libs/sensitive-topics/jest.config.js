module.exports = { ...require('../../jest.preset.js'), displayName: 'sensitive-topics', rootDir: __dirname };
