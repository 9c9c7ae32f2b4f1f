module.exports = { ...require('../../jest.preset.js'), displayName: 'grpc-kit', rootDir: __dirname };
