// Compiles an ES-module-only npm package (jose) to CommonJS for jest, whose module system cannot
// require() ES modules on Node 20. Services and tools load it natively (require(esm), Node ≥ 20.19).
const { transformSync } = require('esbuild');

module.exports = {
  process(source, file) {
    const { code, map } = transformSync(source, { format: 'cjs', target: 'node20', loader: 'js', sourcefile: file, sourcemap: 'external' });
    return { code, map };
  },
};
