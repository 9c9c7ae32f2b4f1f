// The benchmark tools' smoke test: the open-loop generator's arithmetic, run for ~2 s as a process
// of its own against a tiny echo server (no services, no database; the benchmark itself is not
// part of npm test).
module.exports = { ...require('../../jest.preset.js'), displayName: 'bench-tools', rootDir: __dirname };
