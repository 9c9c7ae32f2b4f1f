// Checks of the repository's structure (no database, no processes): e.g. every service's src/ has the template's layout.
module.exports = { ...require('../../jest.preset.js'), displayName: 'structure', rootDir: __dirname };
