module.exports = { ...require('../../jest.preset.js'), displayName: 'interest-profile', rootDir: __dirname };
