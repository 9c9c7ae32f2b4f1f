// The capacity model's check: docs/capacity.md's generated part is what the committed
// measurements give (no database, no processes: the benchmark itself is not part of npm test).
module.exports = { ...require('../../jest.preset.js'), displayName: 'capacity-model', rootDir: __dirname };
