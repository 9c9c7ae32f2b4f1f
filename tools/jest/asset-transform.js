// Jest transform mirroring the esbuild loaders: `.tsv` → text, `.binpb` → Uint8Array.
module.exports = {
  process(sourceText, sourcePath) {
    if (sourcePath.endsWith('.binpb')) {
      const base64 = require('fs').readFileSync(sourcePath).toString('base64');
      return { code: `module.exports = new Uint8Array(Buffer.from(${JSON.stringify(base64)}, 'base64')); module.exports.default = module.exports;` };
    }
    return { code: `module.exports = ${JSON.stringify(sourceText)}; module.exports.default = module.exports;` };
  },
};
